/**
 * A user session as kept in the secret store: one JSON value per profile and issuer host,
 * under `secretService(profile, issuer)` / `SESSION_ACCOUNT`.
 */
import { inspectJwt } from '../tokens/inspect.js';
import type { UserTokens } from '../oauth/user-grant.js';
import { SESSION_ACCOUNT, type SecretRef, type SecretStore, secretService } from '../secrets/types.js';

/** How a session was started. */
export type LoginMethod = 'device' | 'web' | 'token';

/** A stored user session. Tokens never leave the store except as a bearer header. */
export interface UserSession {
  version: 1;
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  /** When the access token expires, ISO-8601 UTC (absent: unknown, e.g. an opaque PAT). */
  expiresAt?: string;
  scope?: string;
  /** The user (`sub`), when the token says. */
  subject?: string;
  /** The user's login name (`preferred_username`), when the token says. */
  username?: string;
  /** Centrali workspace (`workspace` claim), when the token says. */
  workspace?: string;
  issuer: string;
  clientId: string;
  method: LoginMethod;
  /** When the session was started or last refreshed, ISO-8601 UTC. */
  updatedAt: string;
}

/** Where a profile's session lives in the store. */
export function sessionRef(profileName: string, issuer: string): SecretRef {
  return { service: secretService(profileName, issuer), account: SESSION_ACCOUNT };
}

/** The claims of a JWT, unverified (for display and expiry only); `undefined` for an opaque token. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  try {
    return inspectJwt(token, 0).claims;
  } catch {
    return undefined;
  }
}

function claimText(claims: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = claims?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Builds a session from freshly issued tokens; identity comes from the ID token, else the access token. */
export function sessionFromTokens(
  tokens: UserTokens,
  context: { issuer: string; clientId: string; method: LoginMethod; now: number; previous?: UserSession },
): UserSession {
  const access = jwtClaims(tokens.accessToken);
  const id = tokens.idToken ? jwtClaims(tokens.idToken) : undefined;
  const pick = (name: string) => claimText(id, name) ?? claimText(access, name);
  const session: UserSession = {
    version: 1,
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    issuer: context.issuer,
    clientId: context.clientId,
    method: context.method,
    updatedAt: new Date(context.now).toISOString(),
  };
  // A refresh may not return a new refresh token: keep the one we have (RFC 6749 §6).
  const refreshToken = tokens.refreshToken ?? context.previous?.refreshToken;
  if (refreshToken !== undefined) session.refreshToken = refreshToken;
  const exp = typeof access?.exp === 'number' ? access.exp * 1000 : undefined;
  const expiresAt = tokens.expiresIn !== undefined ? context.now + tokens.expiresIn * 1000 : exp;
  if (expiresAt !== undefined && Number.isFinite(expiresAt)) session.expiresAt = new Date(expiresAt).toISOString();
  const scope = tokens.scope ?? claimText(access, 'scope') ?? context.previous?.scope;
  if (scope !== undefined) session.scope = scope;
  const subject = pick('sub') ?? context.previous?.subject;
  if (subject !== undefined) session.subject = subject;
  const username = pick('preferred_username') ?? context.previous?.username;
  if (username !== undefined) session.username = username;
  const workspace = pick('workspace') ?? context.previous?.workspace;
  if (workspace !== undefined) session.workspace = workspace;
  return session;
}

/** Parses a stored session; `undefined` when the value is not one (treated as no session). */
export function parseSession(text: string): UserSession | undefined {
  try {
    const value = JSON.parse(text) as Partial<UserSession>;
    if (
      value?.version !== 1 ||
      typeof value.accessToken !== 'string' ||
      value.accessToken === '' ||
      typeof value.issuer !== 'string' ||
      typeof value.clientId !== 'string'
    ) {
      return undefined;
    }
    if (value.expiresAt !== undefined && !Number.isFinite(Date.parse(value.expiresAt))) delete value.expiresAt;
    return { tokenType: 'Bearer', method: 'device', updatedAt: new Date(0).toISOString(), ...value } as UserSession;
  } catch {
    return undefined;
  }
}

/** The session of a profile, or `undefined` (a corrupt value counts as none). */
export async function readSession(store: SecretStore, profileName: string, issuer: string): Promise<UserSession | undefined> {
  const text = await store.get(sessionRef(profileName, issuer));
  return text === undefined ? undefined : parseSession(text);
}

/** Stores (replaces) the session of a profile. */
export function writeSession(store: SecretStore, profileName: string, session: UserSession): Promise<void> {
  return store.set(sessionRef(profileName, session.issuer), JSON.stringify(session));
}

/** Removes the session of a profile; `false` when there was none. */
export function deleteSession(store: SecretStore, profileName: string, issuer: string): Promise<boolean> {
  return store.delete(sessionRef(profileName, issuer));
}

/** Milliseconds since the epoch when the access token expires, or `undefined`. */
export function expiresAtMs(session: Pick<UserSession, 'expiresAt'>): number | undefined {
  if (session.expiresAt === undefined) return undefined;
  const ms = Date.parse(session.expiresAt);
  return Number.isFinite(ms) ? ms : undefined;
}
