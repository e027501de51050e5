/**
 * Token requests of a public client on behalf of a user (device code, authorization code,
 * refresh token): the answer is either tokens or an OAuth error the caller acts on.
 */
import { AuthError, NetworkError, NotFoundError, UsageError, type EunError } from '../errors.js';
import type { HttpClient } from '../http/client.js';

/** Tokens issued to a user. */
export interface UserTokens {
  accessToken: string;
  tokenType: string;
  /** Lifetime in seconds, when the issuer said. */
  expiresIn?: number;
  refreshToken?: string;
  scope?: string;
  idToken?: string;
}

/** What the token endpoint answered: tokens, or an OAuth error (RFC 6749 §5.2). */
export type TokenAnswer =
  | { ok: true; tokens: UserTokens }
  | { ok: false; error: string; description?: string; status: number };

/** The issuer's text, shortened and made safe for one line. */
export function describeOAuthError(error: string, description: string | undefined): string {
  const code = /^[\x20-\x7e]{1,64}$/.test(error) ? error : 'invalid_response';
  if (!description) return code;
  const line = description.replace(/\s+/g, ' ').trim();
  return `${code}: ${line.length > 160 ? `${line.slice(0, 160)}…` : line}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A token-response field (access, refresh and ID tokens, token type, scope) as RFC 6749
 * Appendix A allows it: printable ASCII (VSCHAR). Anything else counts as absent, so that a
 * hostile or broken server can never put terminal escapes on the user's screen or in a header.
 */
export function tokenField(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x20-\x7e]+$/.test(value) ? value : undefined;
}

/** The longest token lifetime taken at its word (10 years); beyond it the lifetime counts as unknown. */
const MAX_LIFETIME_S = 10 * 365 * 24 * 3600;

/**
 * `expires_in` of a token response in seconds: a positive number up to 10 years, else
 * undefined (unknown). A larger one would make an expiry no date can hold, and break every
 * later use of the cached token or session.
 */
export function lifetimeField(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_LIFETIME_S ? seconds : undefined;
}

/**
 * POSTs `form` to the token endpoint. Never retried once it may have reached the server: a
 * code or a rotated refresh token is good for one use only.
 */
export async function requestUserTokens(http: HttpClient, tokenEndpoint: string, form: URLSearchParams): Promise<TokenAnswer> {
  const res = await http.request({ url: tokenEndpoint, form, idempotent: false, what: 'token request', maxBytes: 256 * 1024 });
  const host = new URL(tokenEndpoint).host;
  if (res.status === 200) {
    const body = res.json<Record<string, unknown>>();
    const accessToken = typeof body === 'object' && body !== null ? tokenField(body.access_token) : undefined;
    if (accessToken === undefined) throw new NetworkError(`the token response of ${host} has no valid access_token`, { code: 'bad_response' });
    const tokens: UserTokens = { accessToken, tokenType: tokenField(body.token_type) ?? 'Bearer' };
    const expiresIn = lifetimeField(body.expires_in);
    if (expiresIn !== undefined) tokens.expiresIn = expiresIn;
    const refreshToken = tokenField(body.refresh_token);
    if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
    const scope = tokenField(body.scope);
    if (scope !== undefined) tokens.scope = scope;
    const idToken = tokenField(body.id_token);
    if (idToken !== undefined) tokens.idToken = idToken;
    return { ok: true, tokens };
  }
  const error = res.jsonOrUndefined() as { error?: unknown; error_description?: unknown } | undefined;
  if (error && typeof error.error === 'string') {
    const answer: TokenAnswer = { ok: false, error: error.error, status: res.status };
    const description = text(error.error_description);
    if (description !== undefined) answer.description = description;
    return answer;
  }
  if (res.status === 404) throw new NotFoundError(`no token endpoint at ${tokenEndpoint} (HTTP 404)`, { hint: 'check the profile\'s issuer URL' });
  throw new NetworkError(`token request to ${host} failed: HTTP ${res.status}`, { code: 'bad_response' });
}

/** An OAuth error of a user grant as a typed error; `hint` says what to do (e.g. "run eun login"). */
export function userGrantError(answer: { error: string; description?: string }, what: string, hint: string): EunError {
  const text = describeOAuthError(answer.error, answer.description);
  if (answer.error === 'temporarily_unavailable' || answer.error === 'server_error') {
    return new NetworkError(`${what} failed (${text})`, { code: answer.error, hint: 'try again later' });
  }
  if (answer.error === 'invalid_request' || answer.error === 'unsupported_grant_type' || answer.error === 'unauthorized_client') {
    return new UsageError(`${what} was refused (${text})`, {
      hint: 'check the profile\'s login client id (eun profile show); it must be a public client allowed this grant',
    });
  }
  return new AuthError(`${what} was refused (${text})`, { code: answer.error, hint });
}
