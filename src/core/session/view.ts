/** What `eun login` and `eun whoami` show of a session: never a token. */
import type { ResolvedProfile } from '../config/profiles.js';
import type { SecretStore, SecretStoreKind } from '../secrets/types.js';
import { type LoginMethod, type UserSession, expiresAtMs, jwtClaims } from './session.js';

/** A session as shown to people and in `--json` (camelCase, ISO-8601 UTC). */
export interface SessionView {
  profile: string;
  flavor: string;
  issuer: string;
  /** The user (`sub`), when known. */
  subject: string | null;
  /** The login name, when known. */
  username: string | null;
  /** Centrali workspace (token claim, else the profile's). */
  workspace: string | null;
  /** When the access token expires, ISO-8601 UTC; null when unknown. */
  expiresAt: string | null;
  expired: boolean;
  scope: string | null;
  /** `session`: the stored session; `EUN_TOKEN`: the environment variable. */
  source: 'session' | 'EUN_TOKEN';
  /** How the session was started (null for EUN_TOKEN). */
  method: LoginMethod | null;
  /** Whether a refresh token keeps the session alive. */
  refreshable: boolean;
  /** The secret store holding the session (null for EUN_TOKEN). */
  store: { kind: SecretStoreKind; location: string } | null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The view of a stored session. */
export function viewSession(
  resolved: ResolvedProfile,
  session: UserSession,
  context: { source: 'store'; store: SecretStore; now: number },
): SessionView {
  const expires = expiresAtMs(session);
  return {
    profile: resolved.name,
    flavor: resolved.profile.flavor,
    issuer: resolved.profile.issuer,
    subject: session.subject ?? null,
    username: session.username ?? null,
    workspace: session.workspace ?? resolved.profile.workspace ?? null,
    expiresAt: session.expiresAt ?? null,
    expired: expires !== undefined && expires <= context.now,
    scope: session.scope ?? null,
    source: 'session',
    method: session.method,
    refreshable: session.refreshToken !== undefined,
    store: { kind: context.store.kind, location: context.store.location },
  };
}

/** The view of a token from `EUN_TOKEN` (what a JWT says about itself; nothing for an opaque token). */
export function viewEnvToken(resolved: ResolvedProfile, token: string, now: number): SessionView {
  const claims = jwtClaims(token);
  const exp = typeof claims?.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  return {
    profile: resolved.name,
    flavor: resolved.profile.flavor,
    issuer: resolved.profile.issuer,
    subject: text(claims?.sub),
    username: text(claims?.preferred_username),
    workspace: text(claims?.workspace) ?? resolved.profile.workspace ?? null,
    expiresAt: exp === undefined ? null : new Date(exp).toISOString(),
    expired: exp !== undefined && exp <= now,
    scope: text(claims?.scope),
    source: 'EUN_TOKEN',
    method: null,
    refreshable: false,
    store: null,
  };
}

/** Who a view is, for one line: "demo (user-demo)", or "an unknown user". */
export function describeUser(view: Pick<SessionView, 'subject' | 'username'>): string {
  if (view.username && view.subject && view.username !== view.subject) return `${view.username} (${view.subject})`;
  return view.username ?? view.subject ?? 'an unknown user';
}
