import { EunCommand } from '../cli/base-command.js';
import { resolveProfile } from '../cli/profile-context.js';
import { createHttpClient } from '../core/http/client.js';
import { whoami } from '../core/session/whoami.js';
import { type SessionView, describeUser } from '../core/session/view.js';
import { renderFields } from '../ui/table.js';

/** "in 14m", "3h 5m ago": how far `at` is from `now`. */
function relative(at: string, now: number): string {
  const ms = Date.parse(at) - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span = minutes < 1 ? 'less than a minute' : minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

export default class Whoami extends EunCommand {
  static override summary = 'Show who the session of the profile is.';
  static override description =
    'Shows the user of the active profile\'s session, the profile, the workspace (centrali), when the access token expires (UTC), and which secret store holds the session, or that EUN_TOKEN supplies it. A session about to expire is refreshed first. Never prints a token. Exits 4 when not logged in.';
  static override examples = ['<%= config.bin %> whoami', '<%= config.bin %> whoami --profile staging --json'];

  async run(): Promise<SessionView> {
    const { flags } = await this.parse(Whoami);
    const resolved = await resolveProfile(this.deps, flags.profile);
    const http = createHttpClient(this.deps);
    let view: SessionView;
    try {
      view = await whoami(this.deps, http, resolved);
    } finally {
      await http.close();
    }
    const now = this.deps.now();
    const expires = view.expiresAt ? `${view.expiresAt} (${view.expired ? 'expired ' : ''}${relative(view.expiresAt, now)})` : 'unknown';
    const session = view.store
      ? `${view.store.location} (${view.store.kind === 'keychain' ? 'OS keychain' : 'file store'})`
      : 'from EUN_TOKEN (not stored)';
    this.out(
      renderFields(
        [
          ['user', describeUser(view)],
          ['profile', `${view.profile} (${view.flavor})`],
          ['issuer', view.issuer],
          ['workspace', view.workspace ?? undefined],
          ['expires', expires],
          ['scope', view.scope ?? undefined],
          ['session', session],
          ['refresh', view.source === 'session' ? (view.refreshable ? 'automatic (refresh token stored)' : 'none (log in again when it expires)') : undefined],
        ],
        this.deps.stdout.isTTY,
      ),
    );
    return view;
  }
}
