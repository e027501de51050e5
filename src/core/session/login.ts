/**
 * `eun login`: start a user session for a profile by the device flow, the browser (PKCE on a
 * loopback redirect) or a token from stdin, and keep it in the secret store.
 */
import { type ResolvedProfile, loginClientId } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import { AuthError, NotFoundError, UsageError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { type DeviceAuthorization, pollDeviceToken, startDeviceAuthorization } from '../oauth/device.js';
import { type IssuerMetadata, discoverIssuer } from '../oauth/discovery.js';
import {
  authorizationUrl,
  createPkce,
  createState,
  exchangeAuthorizationCode,
  loopbackError,
  startLoopbackReceiver,
} from '../oauth/pkce.js';
import type { UserTokens } from '../oauth/user-grant.js';
import { openSecretStore } from '../secrets/open.js';
import type { SecretStore } from '../secrets/types.js';
import { type LoginMethod, type UserSession, jwtClaims, sessionFromTokens, writeSession } from './session.js';
import { type SessionView, viewSession } from './view.js';

/** How long `--web` waits for the browser. */
export const BROWSER_LOGIN_TIMEOUT_MS = 5 * 60_000;

/** Progress callbacks of a login, for the command to render. */
export interface LoginHooks {
  /** Aborting it (Ctrl-C) ends the login with a CancelledError. */
  signal?: AbortSignal;
  /** The device code is ready: show it (and open the browser). */
  onDeviceCode?(authorization: DeviceAuthorization): void | Promise<void>;
  /** The issuer asked to poll more slowly. */
  onSlowDown?(intervalSeconds: number): void;
  /** The browser login URL is ready: show it (and open the browser). */
  onAuthorizationUrl?(url: string): void | Promise<void>;
  /** Time limit of `--web` (default 5 minutes). */
  browserTimeoutMs?: number;
}

/** The scopes `eun login` asks for: `openid offline_access`, plus `admin:access` on eunifyer (API.md §2). */
export function loginScope(resolved: ResolvedProfile): string {
  return resolved.profile.flavor === 'eunifyer' ? 'openid offline_access admin:access' : 'openid offline_access';
}

function endpoint(metadata: IssuerMetadata, name: 'device_authorization_endpoint' | 'authorization_endpoint', what: string): string {
  const value = metadata[name];
  if (typeof value !== 'string' || value === '') {
    throw new NotFoundError(`the issuer ${metadata.issuer} offers no ${what} (no ${name} in its OpenID configuration)`, {
      hint: name === 'device_authorization_endpoint' ? 'try eun login --web, or eun login --with-token' : 'try eun login (device flow), or eun login --with-token',
    });
  }
  return value;
}

async function store(deps: Deps, resolved: ResolvedProfile, session: UserSession, secrets: SecretStore): Promise<SessionView> {
  await writeSession(secrets, resolved.name, session);
  return viewSession(resolved, session, { source: 'store', store: secrets, now: deps.now() });
}

function saveTokens(deps: Deps, resolved: ResolvedProfile, tokens: UserTokens, method: LoginMethod, secrets: SecretStore): Promise<SessionView> {
  const session = sessionFromTokens(tokens, { issuer: resolved.profile.issuer, clientId: loginClientId(resolved.profile), method, now: deps.now() });
  return store(deps, resolved, session, secrets);
}

/** The device authorization grant (RFC 8628): show a code, wait for approval, store the session. */
export async function loginWithDevice(deps: Deps, http: HttpClient, resolved: ResolvedProfile, hooks: LoginHooks = {}): Promise<SessionView> {
  // Open the store first: a keychain that is forced but unavailable fails before the user acts.
  const secrets = await openSecretStore(deps);
  const metadata = await discoverIssuer(deps, http, resolved.profile.issuer);
  const clientId = loginClientId(resolved.profile);
  const authorization = await startDeviceAuthorization(http, {
    endpoint: endpoint(metadata, 'device_authorization_endpoint', 'device login'),
    clientId,
    scope: loginScope(resolved),
  });
  await hooks.onDeviceCode?.(authorization);
  const tokens = await pollDeviceToken(http, {
    tokenEndpoint: metadata.token_endpoint,
    clientId,
    authorization,
    now: deps.now,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.onSlowDown ? { onSlowDown: hooks.onSlowDown } : {}),
  });
  return saveTokens(deps, resolved, tokens, 'device', secrets);
}

/** The authorization code grant with PKCE on a loopback redirect: open the browser, wait, store the session. */
export async function loginWithBrowser(deps: Deps, http: HttpClient, resolved: ResolvedProfile, hooks: LoginHooks = {}): Promise<SessionView> {
  const secrets = await openSecretStore(deps);
  const metadata = await discoverIssuer(deps, http, resolved.profile.issuer);
  const authorize = endpoint(metadata, 'authorization_endpoint', 'browser login');
  const clientId = loginClientId(resolved.profile);
  const pkce = createPkce();
  const state = createState();
  const receiver = await startLoopbackReceiver({
    state,
    issuer: metadata.issuer,
    timeoutMs: hooks.browserTimeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  try {
    const url = authorizationUrl(authorize, { clientId, redirectUri: receiver.redirectUri, scope: loginScope(resolved), state, challenge: pkce.challenge });
    await hooks.onAuthorizationUrl?.(url);
    const answer = await receiver.answer;
    if (!('code' in answer)) throw loopbackError(answer);
    const tokens = await exchangeAuthorizationCode(http, {
      tokenEndpoint: metadata.token_endpoint,
      clientId,
      code: answer.code,
      redirectUri: receiver.redirectUri,
      verifier: pkce.verifier,
    });
    return await saveTokens(deps, resolved, tokens, 'web', secrets);
  } finally {
    receiver.close();
  }
}

/**
 * Stores a user token or PAT given on stdin. A JWT's expiry and subject are read from it (not
 * verified here: the server checks it on use); an expired one or one of another issuer is refused.
 */
export async function loginWithToken(deps: Deps, resolved: ResolvedProfile, input: string): Promise<SessionView> {
  const token = input.trim();
  if (token === '') throw new UsageError('no token on standard input', { hint: 'pipe it in: eun login --with-token < token.txt' });
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError('standard input does not hold one token (it has spaces, line breaks or control characters)', {
      hint: 'give the token alone, without "Bearer "',
    });
  }
  const claims = jwtClaims(token);
  const issuer = resolved.profile.issuer.replace(/\/+$/, '');
  if (typeof claims?.iss === 'string' && claims.iss.replace(/\/+$/, '') !== issuer) {
    throw new UsageError(`the token was issued by another issuer than profile ${resolved.name}'s (${issuer})`, {
      hint: 'log in to the profile of that issuer (--profile), or use a token of this one',
    });
  }
  if (typeof claims?.exp === 'number' && claims.exp * 1000 <= deps.now()) {
    throw new AuthError('the token has expired', { code: 'token_expired', hint: 'get a new one, or run eun login' });
  }
  const secrets = await openSecretStore(deps);
  const tokens: UserTokens = { accessToken: token, tokenType: 'Bearer' };
  return saveTokens(deps, resolved, tokens, 'token', secrets);
}
