/** The device authorization grant (RFC 8628) for a public client. */
import { AuthError, CancelledError, NetworkError, NotFoundError, sanitizeForTerminal } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { type UserTokens, describeOAuthError, requestUserTokens, userGrantError } from './user-grant.js';

/** The device authorization response (RFC 8628 §3.2). */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** The URI with the code filled in, when the issuer offers one. */
  verificationUriComplete?: string;
  /** Seconds the codes stay valid. */
  expiresIn: number;
  /** Seconds between polls. */
  interval: number;
}

/** Default poll interval when the issuer names none (RFC 8628 §3.2). */
const DEFAULT_INTERVAL_S = 5;
/**
 * Bounds on what an issuer may ask: a poll interval beyond a timer's range made Node poll
 * every millisecond, and a code living for years would make a login wait for ever.
 */
const MAX_INTERVAL_S = 60;
const MAX_EXPIRES_IN_S = 3600;

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Asks the issuer for a device code and user code. */
export async function startDeviceAuthorization(
  http: HttpClient,
  request: { endpoint: string; clientId: string; scope: string },
): Promise<DeviceAuthorization> {
  const form = new URLSearchParams({ client_id: request.clientId, scope: request.scope });
  const res = await http.request({ url: request.endpoint, form, idempotent: true, what: 'device authorization request' });
  const host = new URL(request.endpoint).host;
  if (res.status !== 200) {
    const error = res.jsonOrUndefined() as { error?: unknown; error_description?: unknown } | undefined;
    if (error && typeof error.error === 'string') {
      const answer = { error: error.error, ...(typeof error.error_description === 'string' ? { description: error.error_description } : {}) };
      throw userGrantError(answer, `the device login at ${host}`, 'check the profile\'s issuer and login client id');
    }
    if (res.status === 404) throw new NotFoundError(`no device authorization endpoint at ${request.endpoint} (HTTP 404)`);
    throw new NetworkError(`device authorization request to ${host} failed: HTTP ${res.status}`, { code: 'bad_response' });
  }
  const body = res.json<Record<string, unknown>>();
  const valid =
    typeof body === 'object' &&
    body !== null &&
    typeof body.device_code === 'string' &&
    body.device_code !== '' &&
    typeof body.user_code === 'string' &&
    body.user_code !== '' &&
    isHttpUrl(body.verification_uri);
  if (!valid) throw new NetworkError(`the device authorization response of ${host} lacks a code or verification URI`, { code: 'bad_response' });
  const expiresIn = Number(body.expires_in);
  const interval = Number(body.interval);
  const authorization: DeviceAuthorization = {
    deviceCode: body.device_code as string,
    userCode: sanitizeForTerminal(body.user_code as string),
    // Re-serialised: the URL parser escapes anything that could move a terminal's cursor.
    verificationUri: new URL(body.verification_uri as string).toString(),
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? Math.min(expiresIn, MAX_EXPIRES_IN_S) : 600,
    interval: Number.isFinite(interval) && interval > 0 ? Math.min(interval, MAX_INTERVAL_S) : DEFAULT_INTERVAL_S,
  };
  if (isHttpUrl(body.verification_uri_complete)) authorization.verificationUriComplete = new URL(body.verification_uri_complete).toString();
  return authorization;
}

/** Waits `ms`, or rejects with a CancelledError when `signal` aborts. */
export function cancellableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves with `promise`, or rejects with a CancelledError as soon as `signal` aborts. */
export function cancellable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Options of `pollDeviceToken`. */
export interface DevicePollOptions {
  tokenEndpoint: string;
  clientId: string;
  authorization: DeviceAuthorization;
  now: () => number;
  /** Aborting it (Ctrl-C) ends the wait with a CancelledError. */
  signal?: AbortSignal;
  /** Called when the issuer asks to poll more slowly, with the new interval (s). */
  onSlowDown?: (intervalSeconds: number) => void;
  /** Scale of the poll interval, for tests of the emulator's 5 s interval (default 1). */
  intervalScale?: number;
}

/**
 * Polls the token endpoint until the user approves (tokens), denies, or the code expires.
 * Honours `interval` and `slow_down` (+5 s each, RFC 8628 §3.5).
 */
export async function pollDeviceToken(http: HttpClient, options: DevicePollOptions): Promise<UserTokens> {
  const { authorization } = options;
  const scale = options.intervalScale ?? 1;
  const deadline = options.now() + authorization.expiresIn * 1000;
  let interval = authorization.interval;
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: authorization.deviceCode,
    client_id: options.clientId,
  });
  for (;;) {
    // Never sleep past the code's expiry: the login ends when the code does.
    await cancellableSleep(Math.min(interval * 1000 * scale, Math.max(0, deadline - options.now())), options.signal);
    if (options.now() >= deadline) break;
    const answer = await cancellable(requestUserTokens(http, options.tokenEndpoint, form), options.signal);
    if (answer.ok) return answer.tokens;
    switch (answer.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        interval += 5;
        options.onSlowDown?.(interval);
        continue;
      case 'expired_token':
        throw expired();
      case 'access_denied':
        throw new AuthError(`the login was denied (${describeOAuthError(answer.error, answer.description)})`, {
          code: 'access_denied',
          hint: 'run eun login again and approve it in the browser',
        });
      default:
        throw userGrantError(answer, 'the device login', 'run eun login again');
    }
  }
  throw expired();
}

function expired(): AuthError {
  return new AuthError('the login code expired before it was approved', { code: 'expired_token', hint: 'run eun login again' });
}
