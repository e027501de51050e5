/**
 * The authorization code grant with PKCE (RFC 7636, S256) on a loopback redirect (RFC 8252
 * §7.3): a one-shot listener on 127.0.0.1, port chosen by the OS, that takes exactly one
 * answer carrying the right `state`, within a time limit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, CancelledError, NetworkError, sanitizeForTerminal } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { type UserTokens, describeOAuthError, requestUserTokens, userGrantError } from './user-grant.js';

/** A PKCE verifier and its S256 challenge. */
export interface Pkce {
  verifier: string;
  challenge: string;
}

/** A fresh PKCE pair: 32 random bytes (43 base64url characters) and their SHA-256. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A fresh `state` value, unguessable. */
export function createState(): string {
  return randomBytes(16).toString('base64url');
}

/** The authorization request URL (RFC 6749 §4.1.1 + PKCE). */
export function authorizationUrl(
  endpoint: string,
  params: { clientId: string; redirectUri: string; scope: string; state: string; challenge: string },
): string {
  const url = new URL(endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('scope', params.scope);
  url.searchParams.set('state', params.state);
  url.searchParams.set('code_challenge', params.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/** What came back to the redirect URI. */
export type LoopbackAnswer = { code: string } | { error: string; description?: string };

/** A listening loopback redirect receiver. */
export interface LoopbackReceiver {
  redirectUri: string;
  /** The one answer with the right state; rejects on timeout or cancellation. */
  answer: Promise<LoopbackAnswer>;
  close(): void;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;margin:3rem"><h1>${title}</h1><p>${text}</p></body></html>`;

/** Options of `startLoopbackReceiver`. */
export interface LoopbackOptions {
  state: string;
  /** The issuer, checked against an `iss` parameter when present (RFC 9207). */
  issuer: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Listens on `http://127.0.0.1:{port}/callback` (port 0: the OS picks). Requests to other paths,
 * or with another `state`, are refused and the wait goes on; the first matching one ends it.
 */
export async function startLoopbackReceiver(options: LoopbackOptions): Promise<LoopbackReceiver> {
  let settle!: { resolve: (a: LoopbackAnswer) => void; reject: (e: unknown) => void };
  const answer = new Promise<LoopbackAnswer>((resolve, reject) => (settle = { resolve, reject }));
  let done = false;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, title: string, text: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
      res.end(PAGE(title, text));
    };
    if (req.method !== 'GET' || url.pathname !== '/callback') return send(404, 'Not found', 'This is eun\'s login listener.');
    if (done) return send(410, 'Already used', 'This login has already completed. You can close this window.');
    const params = url.searchParams;
    if (params.get('state') !== options.state) {
      return send(400, 'Login not recognised', 'This answer does not belong to the login eun started. Start the login again.');
    }
    const iss = params.get('iss');
    if (iss !== null && iss.replace(/\/+$/, '') !== options.issuer.replace(/\/+$/, '')) {
      return send(400, 'Wrong issuer', 'This answer comes from another issuer than the one eun asked.');
    }
    done = true;
    const code = params.get('code');
    const error = params.get('error');
    if (code) {
      send(200, 'Signed in', 'You are signed in to eun. You can close this window and return to your terminal.');
      settle.resolve({ code });
    } else {
      send(400, 'Login failed', 'The login did not complete. See your terminal for details.');
      const description = params.get('error_description');
      settle.resolve({ error: error ?? 'invalid_response', ...(description ? { description } : {}) });
    }
    close();
  });
  const timer = setTimeout(() => {
    settle.reject(
      new AuthError(`no answer from the browser within ${Math.round(options.timeoutMs / 1000)} s`, {
        code: 'login_timeout',
        hint: 'run eun login --web again, or use the device flow (eun login)',
      }),
    );
    close();
  }, options.timeoutMs);
  const onAbort = () => {
    settle.reject(new CancelledError());
    close();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  function close() {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    server.close();
    server.closeAllConnections();
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new NetworkError(`cannot listen on 127.0.0.1 for the login redirect: ${err.message}`, { cause: err })));
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://127.0.0.1:${port}/callback`, answer, close };
}

/** Exchanges an authorization code for tokens (with the PKCE verifier). */
export async function exchangeAuthorizationCode(
  http: HttpClient,
  request: { tokenEndpoint: string; clientId: string; code: string; redirectUri: string; verifier: string },
): Promise<UserTokens> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    client_id: request.clientId,
    code_verifier: request.verifier,
  });
  const answer = await requestUserTokens(http, request.tokenEndpoint, form);
  if (!answer.ok) throw userGrantError(answer, 'the browser login', 'run eun login --web again');
  return answer.tokens;
}

/** The error of a browser answer that carries no code. */
export function loopbackError(answer: { error: string; description?: string }): AuthError {
  const text = sanitizeForTerminal(describeOAuthError(answer.error, answer.description));
  if (answer.error === 'access_denied') {
    return new AuthError(`the login was denied in the browser (${text})`, { code: 'access_denied', hint: 'run eun login --web again and approve it' });
  }
  return new AuthError(`the browser login failed (${text})`, { code: answer.error, hint: 'run eun login --web again' });
}
