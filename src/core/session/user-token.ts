/**
 * The user token of every management call: `EUN_TOKEN` when set, else the stored session of
 * the profile, refreshed transparently when it is close to expiry (see `needsRefresh`).
 */
import { join } from 'node:path';
import { configDir } from '../config/paths.js';
import { type ResolvedProfile, loginClientId } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import { AuthError, LocalStateError, NetworkError, UsageError } from '../errors.js';
import { LockTimeoutError, withLock } from '../fs/lock.js';
import type { HttpClient } from '../http/client.js';
import { discoverIssuer } from '../oauth/discovery.js';
import { refreshUserTokens } from '../oauth/refresh.js';
import { userGrantError } from '../oauth/user-grant.js';
import { openSecretStore } from '../secrets/open.js';
import type { SecretStore } from '../secrets/types.js';
import { EXPIRY_MARGIN_FRACTION, EXPIRY_MARGIN_MS } from '../tokens/cache.js';
import { hashHex } from '../tokens/hash.js';
import { type UserSession, expiresAtMs, readSession, sessionFromTokens, sessionRef, writeSession } from './session.js';

/** Refresh when the access token has less than this left (or 10 % of its lifetime, if shorter). */
export const REFRESH_MARGIN_MS = EXPIRY_MARGIN_MS;

/** Where the user token came from. */
export type UserTokenSource = 'env' | 'store';

/** A usable user token and what it came with. */
export interface UserAccess {
  accessToken: string;
  source: UserTokenSource;
  /** The stored session (absent for `EUN_TOKEN`). */
  session?: UserSession;
  /** The store that holds the session (absent for `EUN_TOKEN`). */
  store?: SecretStore;
  /** True when this call refreshed the session. */
  refreshed: boolean;
}

/** Options of `getUserAccess`. */
export interface UserAccessOptions {
  /** Ignore `EUN_TOKEN` (e.g. `eun logout`, which acts on the stored session). */
  ignoreEnv?: boolean;
  /** The store to use (default: `openSecretStore`). */
  store?: SecretStore;
  /** Refresh even when the token looks fresh (e.g. the API just answered 401 to it). */
  forceRefresh?: boolean;
}

/** `EUN_TOKEN`, trimmed, when set; a value that cannot be a bearer token is a UsageError. */
export function envToken(deps: Pick<Deps, 'env'>): string | undefined {
  const token = deps.env.EUN_TOKEN?.trim();
  if (!token) return undefined;
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError('EUN_TOKEN does not look like a token (it has spaces or control characters)', {
      hint: 'set EUN_TOKEN to the token alone, without "Bearer " or line breaks',
    });
  }
  return token;
}

function notLoggedIn(name: string): AuthError {
  return new AuthError(`not logged in to profile ${name}`, { code: 'not_logged_in', hint: 'run eun login' });
}

/** True when the access token has less than the margin left: 60 s, or 10 % of its lifetime if shorter. */
export function needsRefresh(session: UserSession, now: number): boolean {
  const expires = expiresAtMs(session);
  if (expires === undefined) return false;
  const lifetime = expires - Date.parse(session.updatedAt);
  const margin = Number.isFinite(lifetime) && lifetime > 0 ? Math.min(REFRESH_MARGIN_MS, lifetime * EXPIRY_MARGIN_FRACTION) : REFRESH_MARGIN_MS;
  return expires - now <= margin;
}

/** The lock that keeps two processes from spending the same (rotating) refresh token. */
function refreshLockPath(deps: Pick<Deps, 'env' | 'homedir'>, profileName: string, issuer: string): string {
  return join(configDir(deps), 'locks', `session-${hashHex(sessionRef(profileName, issuer).service)}.lock`);
}

/**
 * Refreshes the session under a cross-process lock, re-reading it first: another process may
 * have refreshed meanwhile, and a rotated refresh token must never be sent twice.
 */
async function refreshSession(
  deps: Deps,
  http: HttpClient,
  resolved: ResolvedProfile,
  store: SecretStore,
  force: boolean,
): Promise<{ session: UserSession; refreshed: boolean }> {
  const { name, profile } = resolved;
  const run = async () => {
    const current = await readSession(store, name, profile.issuer);
    if (!current) throw notLoggedIn(name);
    if (!force && !needsRefresh(current, deps.now())) return { session: current, refreshed: false };
    const expired = (expiresAtMs(current) ?? 0) <= deps.now();
    if (!current.refreshToken) {
      if (!expired) return { session: current, refreshed: false };
      throw new AuthError(`the session of profile ${name} has expired`, { code: 'session_expired', hint: 'run eun login' });
    }
    const metadata = await discoverIssuer(deps, http, profile.issuer);
    const clientId = current.clientId || loginClientId(profile);
    let answer;
    try {
      answer = await refreshUserTokens(http, { tokenEndpoint: metadata.token_endpoint, clientId, refreshToken: current.refreshToken });
    } catch (err) {
      // Unreachable issuer but a token with some life left: use it rather than fail.
      if (err instanceof NetworkError && !expired) {
        deps.debug(`session refresh failed (${err.message}); using the current token`);
        return { session: current, refreshed: false };
      }
      throw err;
    }
    if (!answer.ok) {
      if (answer.error === 'invalid_grant') {
        throw new AuthError(`the session of profile ${name} has expired or was revoked, and could not be refreshed`, {
          code: 'session_expired',
          hint: 'run eun login',
        });
      }
      throw userGrantError(answer, `refreshing the session of profile ${name}`, 'run eun login');
    }
    const session = sessionFromTokens(answer.tokens, {
      issuer: profile.issuer,
      clientId,
      method: current.method,
      now: deps.now(),
      previous: current,
    });
    await writeSession(store, name, session);
    deps.debug(`refreshed the session of profile ${name}`);
    return { session, refreshed: true };
  };
  try {
    return await withLock(refreshLockPath(deps, name, profile.issuer), run, { timeoutMs: 30_000, staleMs: 60_000 });
  } catch (err) {
    if (err instanceof LockTimeoutError) {
      throw new LocalStateError(`the session of profile ${name} is being refreshed by another eun process that does not finish`, {
        hint: `try again; if no eun is running, remove ${err.lockPath}`,
      });
    }
    throw err;
  }
}

/**
 * The user token for `resolved` and where it came from. `EUN_TOKEN` wins; else the stored
 * session, refreshed when close to expiry (`needsRefresh`). No session is exit 4
 * ("run eun login"), and so is a refresh the issuer refuses.
 */
export async function getUserAccess(
  deps: Deps,
  http: HttpClient,
  resolved: ResolvedProfile,
  options: UserAccessOptions = {},
): Promise<UserAccess> {
  if (!options.ignoreEnv) {
    const token = envToken(deps);
    if (token !== undefined) return { accessToken: token, source: 'env', refreshed: false };
  }
  const store = options.store ?? (await openSecretStore(deps));
  const stored = await readSession(store, resolved.name, resolved.profile.issuer);
  if (!stored) throw notLoggedIn(resolved.name);
  const force = options.forceRefresh === true && stored.refreshToken !== undefined;
  if (!force && !needsRefresh(stored, deps.now())) {
    return { accessToken: stored.accessToken, source: 'store', session: stored, store, refreshed: false };
  }
  const { session, refreshed } = await refreshSession(deps, http, resolved, store, force);
  return { accessToken: session.accessToken, source: 'store', session, store, refreshed };
}

/**
 * The bearer token for a management call on `resolved`: `EUN_TOKEN`, else the stored session
 * (refreshed when needed). See `getUserAccess`.
 */
export async function getUserAccessToken(deps: Deps, http: HttpClient, resolved: ResolvedProfile): Promise<string> {
  return (await getUserAccess(deps, http, resolved)).accessToken;
}
