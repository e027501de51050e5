import { Args } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { DEFAULT_PROFILE_NAME, updateConfig } from '../../core/config/profiles.js';
import { validateProfileName } from '../../core/config/validate.js';
import { NotFoundError, UsageError } from '../../core/errors.js';

/** What `profile remove --json` prints. */
export interface ProfileRemoveResult {
  name: string;
  removed: true;
}

export default class ProfileRemove extends EunCommand {
  static override summary = 'Remove a profile.';
  static override description =
    'Removes a saved profile. If it was active, the built-in default becomes active. The built-in default profile cannot be removed (a saved profile named default that overrides it can).';
  static override examples = ['<%= config.bin %> profile remove local'];
  static override args = { name: Args.string({ description: 'Profile name.', required: true }) };

  async run(): Promise<ProfileRemoveResult> {
    const { args } = await this.parse(ProfileRemove);
    const name = validateProfileName(args.name);
    await updateConfig(this.deps, (config) => {
      if (!config.profiles[name]) {
        if (name === DEFAULT_PROFILE_NAME) throw new UsageError('the built-in default profile cannot be removed');
        throw new NotFoundError(`profile ${JSON.stringify(name)} not found`, { hint: 'see eun profile list' });
      }
      delete config.profiles[name];
      if (config.activeProfile === name) delete config.activeProfile;
    });
    if (this.deps.stderr.isTTY) this.info(`Removed profile ${name}.`);
    return { name, removed: true };
  }
}
