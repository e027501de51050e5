import { EunCommand } from '../../cli/base-command.js';
import { activeProfileName, allProfiles, loadConfig } from '../../core/config/profiles.js';
import { type ProfileView, viewProfile } from '../../core/config/profile-view.js';
import { renderTable } from '../../ui/table.js';

export default class ProfileList extends EunCommand {
  static override summary = 'List profiles.';
  static override description = 'Lists every saved profile and the built-in default; the active one is marked.';
  static override examples = ['<%= config.bin %> profile list', '<%= config.bin %> profile list --json'];

  async run(): Promise<ProfileView[]> {
    const { flags } = await this.parse(ProfileList);
    const config = await loadConfig(this.deps);
    const active = activeProfileName(config, flags.profile, this.deps.env);
    const views = Object.keys(allProfiles(config))
      .sort()
      .map((name) => viewProfile(config, name, active));
    this.out(
      renderTable(
        ['', 'NAME', 'FLAVOR', 'ISSUER', 'WORKSPACE'],
        views.map((v) => [v.active ? '*' : '', v.name, v.flavor, v.issuer, v.workspace ?? '']),
        this.deps.stdout.isTTY,
      ),
    );
    return views;
  }
}
