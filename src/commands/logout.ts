import { EunCommand } from '../cli/base-command.js';
import { resolveProfile } from '../cli/profile-context.js';
import { createHttpClient } from '../core/http/client.js';
import { type LogoutResult, logout } from '../core/session/logout.js';

export default class Logout extends EunCommand {
  static override summary = 'End the session of the active profile.';
  static override description =
    'Revokes the session\'s refresh token at the issuer (when it has a revocation endpoint) and removes the session from the secret store. If the issuer cannot be reached, the session is removed all the same and a warning says so. EUN_TOKEN, when set, is not affected.';
  static override examples = ['<%= config.bin %> logout', '<%= config.bin %> logout --profile staging --json'];

  async run(): Promise<LogoutResult> {
    const { flags } = await this.parse(Logout);
    const resolved = await resolveProfile(this.deps, flags.profile);
    const http = createHttpClient(this.deps);
    let result: LogoutResult;
    try {
      result = await logout(this.deps, http, resolved);
    } finally {
      await http.close();
    }
    if (result.revocation === 'failed') {
      this.info(`eun: warning: could not revoke the session at the issuer (${result.revocationError ?? 'unknown error'}); it was removed here all the same`);
    }
    if (!result.loggedOut) {
      this.info(`Not logged in to profile ${result.profile}; nothing to do.`);
    } else {
      const revoked = result.revocation === 'revoked' ? 'revoked at the issuer and ' : result.revocation === 'unsupported' ? 'not revoked (the issuer has no revocation endpoint) but ' : '';
      this.info(`Logged out of profile ${result.profile}: the session was ${revoked}removed from ${result.store.location}.`);
    }
    if (this.deps.env.EUN_TOKEN?.trim()) this.info('Note: EUN_TOKEN is set; management commands keep using it until you unset it.');
    return result;
  }
}
