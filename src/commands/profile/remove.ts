import { Args } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { DEFAULT_PROFILE_NAME, type Profile, updateConfig } from '../../core/config/profiles.js';
import { validateProfileName } from '../../core/config/validate.js';
import { NotFoundError, UsageError } from '../../core/errors.js';
import { openSecretStore, removeProfileSecrets } from '../../core/secrets/open.js';

/** What `profile remove --json` prints. */
export interface ProfileRemoveResult {
  name: string;
  removed: true;
}

export default class ProfileRemove extends EunCommand {
  static override summary = 'Remove a profile.';
  static override description =
    'Removes a saved profile and its stored session and client secrets. If it was active, the built-in default becomes active. The built-in default profile cannot be removed (a saved profile named default that overrides it can).';
  static override examples = ['<%= config.bin %> profile remove local'];
  static override args = { name: Args.string({ description: 'Profile name.', required: true }) };

  async run(): Promise<ProfileRemoveResult> {
    const { args } = await this.parse(ProfileRemove);
    const name = validateProfileName(args.name);
    const removed: Profile = await updateConfig(this.deps, (config) => {
      const profile = config.profiles[name];
      if (!profile) {
        if (name === DEFAULT_PROFILE_NAME) throw new UsageError('the built-in default profile cannot be removed');
        throw new NotFoundError(`profile ${JSON.stringify(name)} not found`, { hint: 'see eun profile list' });
      }
      delete config.profiles[name];
      if (config.activeProfile === name) delete config.activeProfile;
      return profile;
    });
    // Its session and client secrets go too; the profile is gone either way.
    try {
      const store = await openSecretStore(this.deps);
      const count = await removeProfileSecrets(store, name, removed.issuer);
      this.deps.debug(`removed ${count} stored secret(s) of profile ${name}`);
    } catch (err) {
      this.info(`eun: warning: could not remove the stored secrets of profile ${name}: ${(err as Error).message}`);
    }
    if (this.deps.stderr.isTTY) this.info(`Removed profile ${name}.`);
    return { name, removed: true };
  }
}
