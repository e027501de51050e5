import { Args, Flags } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { type Profile, updateConfig } from '../../core/config/profiles.js';
import { type ProfileView, viewProfile } from '../../core/config/profile-view.js';
import {
  FLAVORS,
  type Flavor,
  validateClientId,
  validateFlavor,
  validateProfileName,
  validateServerUrl,
  validateWorkspace,
} from '../../core/config/validate.js';
import { UsageError } from '../../core/errors.js';
import { promptSelect, promptText } from '../../ui/prompts.js';

export default class ProfileAdd extends EunCommand {
  static override summary = 'Save a server profile.';
  static override description =
    'A profile says which server flavor to speak (eunifyer or centrali), where its OIDC issuer and management API live, and (centrali) which workspace. http:// is accepted only for loopback hosts.';
  static override examples = [
    '<%= config.bin %> profile add prod --flavor eunifyer --issuer https://auth.eunifyer.com/realms/eunify --api https://api.eunifyer.com',
    '<%= config.bin %> profile add acme --flavor centrali --issuer https://auth.centrali.example --workspace acme-corp',
    '<%= config.bin %> profile add local --flavor eunifyer --issuer http://127.0.0.1:8080/realms/eunify --api http://127.0.0.1:8080',
  ];
  static override args = {
    name: Args.string({ description: 'Profile name (1-64 of A-Z a-z 0-9 . _ -).', required: true }),
  };
  static override flags = {
    flavor: Flags.string({ description: 'Server flavor.', options: [...FLAVORS] }),
    issuer: Flags.string({ description: 'OIDC issuer URL.' }),
    api: Flags.string({ description: 'Management API base URL (default: the issuer origin for eunifyer, the issuer for centrali).' }),
    workspace: Flags.string({ description: 'Workspace slug (centrali).' }),
    'login-client-id': Flags.string({ description: 'Public OAuth client used by eun login (default eun-cli).' }),
    use: Flags.boolean({ description: 'Make it the active profile.' }),
    force: Flags.boolean({ description: 'Replace a profile of the same name.' }),
  };

  async run(): Promise<ProfileView> {
    const { args, flags } = await this.parse(ProfileAdd);
    const name = validateProfileName(args.name);
    const flavor: Flavor = flags.flavor
      ? validateFlavor(flags.flavor)
      : await this.ask('--flavor', () => promptSelect('Server flavor', FLAVORS));
    const issuer = validateServerUrl(
      flags.issuer ?? (await this.ask('--issuer', () => promptText('OIDC issuer URL'))),
      '--issuer',
    );
    const profile: Profile = { flavor, issuer };
    if (flags.api) profile.api = validateServerUrl(flags.api, '--api');
    else if (flavor === 'eunifyer') profile.api = new URL(issuer).origin;
    if (flavor === 'centrali') {
      profile.workspace = validateWorkspace(
        flags.workspace ?? (await this.ask('--workspace', () => promptText('Workspace slug'))),
      );
    } else if (flags.workspace) {
      throw new UsageError('--workspace applies only to --flavor centrali');
    }
    if (flags['login-client-id']) profile.loginClientId = validateClientId(flags['login-client-id'], '--login-client-id');

    const view = await updateConfig(this.deps, (config) => {
      if (config.profiles[name] && !flags.force) {
        throw new UsageError(`profile ${JSON.stringify(name)} already exists`, { hint: 'add --force to replace it' });
      }
      config.profiles[name] = profile;
      if (flags.use) config.activeProfile = name;
      return viewProfile(config, name, config.activeProfile ?? 'default');
    });
    if (this.deps.stderr.isTTY) this.info(`Saved profile ${name}${flags.use ? ' (active)' : ''}.`);
    return view;
  }

}
