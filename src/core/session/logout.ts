/** `eun logout`: revoke the session's refresh token at the issuer and remove the session. */
import type { ResolvedProfile } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import { isEunError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { discoverIssuer } from '../oauth/discovery.js';
import { revokeToken } from '../oauth/revoke.js';
import { openSecretStore } from '../secrets/open.js';
import type { SecretStoreKind } from '../secrets/types.js';
import { deleteSession, readSession, type UserSession } from './session.js';

/** What happened to the session at the issuer. */
export type Revocation = 'revoked' | 'unsupported' | 'failed' | 'not_needed';

/** The result of `eun logout` (`--json`). */
export interface LogoutResult {
  profile: string;
  /** False when there was no session. */
  loggedOut: boolean;
  /** `revoked`, `unsupported` (no revocation endpoint), `failed` (removed locally anyway), `not_needed` (no session or no token to revoke). */
  revocation: Revocation;
  /** Why the revocation failed, when it did. */
  revocationError?: string;
  store: { kind: SecretStoreKind; location: string };
}

async function revokeSession(deps: Deps, http: HttpClient, session: UserSession): Promise<{ revocation: Revocation; error?: string }> {
  // A refresh token is what keeps a session alive; without one, the access token is revoked.
  const token = session.refreshToken ?? (session.method === 'token' ? undefined : session.accessToken);
  if (token === undefined) return { revocation: 'not_needed' };
  try {
    const metadata = await discoverIssuer(deps, http, session.issuer);
    const endpoint = metadata.revocation_endpoint;
    if (typeof endpoint !== 'string' || endpoint === '') return { revocation: 'unsupported' };
    await revokeToken(http, {
      endpoint,
      clientId: session.clientId,
      token,
      hint: session.refreshToken ? 'refresh_token' : 'access_token',
    });
    return { revocation: 'revoked' };
  } catch (err) {
    if (!isEunError(err)) throw err;
    return { revocation: 'failed', error: err.message };
  }
}

/**
 * Revokes the session of `resolved` at the issuer (when it has a revocation endpoint) and
 * removes it from the store. A failed revocation does not keep the session: it is removed
 * all the same and the failure reported.
 */
export async function logout(deps: Deps, http: HttpClient, resolved: ResolvedProfile): Promise<LogoutResult> {
  const store = await openSecretStore(deps);
  const where = { kind: store.kind, location: store.location };
  const session = await readSession(store, resolved.name, resolved.profile.issuer);
  const { revocation, error } = session ? await revokeSession(deps, http, session) : { revocation: 'not_needed' as const, error: undefined };
  // Remove even a value that did not parse as a session: logout must leave nothing behind.
  const removed = await deleteSession(store, resolved.name, resolved.profile.issuer);
  const result: LogoutResult = { profile: resolved.name, loggedOut: removed, revocation, store: where };
  if (error !== undefined) result.revocationError = error;
  return result;
}
