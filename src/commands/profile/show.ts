import { Args } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { activeProfileName, getProfile, loadConfig } from '../../core/config/profiles.js';
import { type ProfileView, viewProfile } from '../../core/config/profile-view.js';
import { renderFields } from '../../ui/table.js';

export default class ProfileShow extends EunCommand {
  static override summary = 'Show a profile.';
  static override description = 'Shows the settings of a profile (default: the active one).';
  static override examples = ['<%= config.bin %> profile show', '<%= config.bin %> profile show default --json'];
  static override args = { name: Args.string({ description: 'Profile name (default: the active profile).' }) };

  async run(): Promise<ProfileView> {
    const { args, flags } = await this.parse(ProfileShow);
    const config = await loadConfig(this.deps);
    const active = activeProfileName(config, flags.profile, this.deps.env);
    const name = getProfile(config, args.name ?? active).name;
    const view = viewProfile(config, name, active);
    this.out(
      renderFields(
        [
          ['name', `${view.name}${view.active ? ' (active)' : ''}${view.builtIn ? ' (built-in)' : ''}`],
          ['flavor', view.flavor],
          ['issuer', view.issuer],
          ['api', view.api],
          ['workspace', view.workspace],
          ['login client', view.loginClientId],
          ['default client', view.defaultClientId],
        ],
        this.deps.stdout.isTTY,
      ),
    );
    return view;
  }
}
