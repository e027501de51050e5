/** `eun whoami`: who the session of a profile is, until when, and where it is kept. */
import type { ResolvedProfile } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import type { HttpClient } from '../http/client.js';
import { envToken, getUserAccess } from './user-token.js';
import { type SessionView, viewEnvToken, viewSession } from './view.js';

/**
 * The session of `resolved` as shown by `eun whoami`: from `EUN_TOKEN` when set, else the
 * stored session, refreshed first when it is about to expire (so the expiry shown is real).
 */
export async function whoami(deps: Deps, http: HttpClient, resolved: ResolvedProfile): Promise<SessionView> {
  const token = envToken(deps);
  if (token !== undefined) return viewEnvToken(resolved, token, deps.now());
  const access = await getUserAccess(deps, http, resolved, { ignoreEnv: true });
  // getUserAccess always returns the session and store when it read from the store.
  return viewSession(resolved, access.session!, { source: 'store', store: access.store!, now: deps.now() });
}
