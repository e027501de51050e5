import { Args } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { getProfile, updateConfig } from '../../core/config/profiles.js';
import { type ProfileView, viewProfile } from '../../core/config/profile-view.js';
import { validateProfileName } from '../../core/config/validate.js';

export default class ProfileUse extends EunCommand {
  static override summary = 'Make a profile the active one.';
  static override description = 'Commands use the active profile unless --profile or EUN_PROFILE says otherwise.';
  static override examples = ['<%= config.bin %> profile use local'];
  static override args = { name: Args.string({ description: 'Profile name.', required: true }) };

  async run(): Promise<ProfileView> {
    const { args } = await this.parse(ProfileUse);
    const name = validateProfileName(args.name);
    const view = await updateConfig(this.deps, (config) => {
      getProfile(config, name);
      config.activeProfile = name;
      return viewProfile(config, name, name);
    });
    if (this.deps.stderr.isTTY) this.info(`Active profile: ${name}.`);
    return view;
  }
}
