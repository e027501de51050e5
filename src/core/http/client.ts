/**
 * The one HTTP client of eun (undici): timeouts so nothing hangs, retries with backoff and
 * jitter bounded in count and time, proxies from the environment, a response-size cap,
 * JSON parsing that fails with one clear line, and a hook for low rate-limit budgets.
 */
import type { Dispatcher } from 'undici';
import { isLoopbackHost } from '../config/validate.js';
import type { Deps } from '../deps.js';
import { NetworkError, UsageError, sanitizeForTerminal } from '../errors.js';
import { attemptBudgetMs, requestBudgetMs } from './budget.js';
import { DEFAULT_RETRY, type RetryPolicy, backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';
import { Agent, loadEnvHttpProxyAgent, rawRequest } from './undici.js';

/** One request. */
export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A form body (application/x-www-form-urlencoded). */
  form?: URLSearchParams;
  /** A JSON body. */
  json?: unknown;
  /** Safe to send twice (default: true for GET, HEAD, PUT and DELETE). Others are retried only when they were surely not processed. */
  idempotent?: boolean;
  /** What the request is, for messages: "token request", "OIDC discovery". */
  what?: string;
  /** Largest response body accepted (bytes). */
  maxBytes?: number;
}

/** A response whose body has been read (within the size cap). */
export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  text: string;
  /** The body as JSON; a NetworkError with one line when it is not JSON. */
  json<T = unknown>(): T;
  /** The body as JSON, or `undefined` when it is not JSON (for error bodies). */
  jsonOrUndefined(): unknown;
}

/** A server's rate-limit budget, from `X-RateLimit-*` headers. */
export interface RateLimitInfo {
  host: string;
  remaining: number;
  limit?: number;
  /** Raw `X-RateLimit-Reset` value. */
  reset?: string;
}

/** Settings of a client. */
export interface HttpClientOptions {
  /** Time budget of one attempt (connect + headers + body), ms. Default: `EUN_HTTP_TIMEOUT` or 10 s. */
  attemptTimeoutMs?: number;
  /** Time budget of a request with all its retries, ms. Default: 3 × the attempt budget. */
  totalTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Default response-size cap (bytes). Default 4 MiB. */
  maxBytes?: number;
  /** Called when `X-RateLimit-Remaining` is at or under 10 % of the limit (or 10 without a limit). */
  onRateLimitLow?: (info: RateLimitInfo) => void;
}

/** The HTTP client handed to core code. Close it when done so no socket outlives the command. */
export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Why an attempt failed, and whether another could succeed. */
interface Failure {
  reason: string;
  /** Another attempt could succeed. */
  retryable: boolean;
  /** The request surely never reached the server (safe to resend even a POST). */
  notSent: boolean;
  hint?: string;
  code: string;
  cause?: unknown;
  retryAfterMs?: number;
}

class TooLargeError extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** Classifies a thrown network error (undici or Node). */
function classify(err: unknown, attemptMs: number, timedOut: boolean): Failure {
  const code = String((err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code ?? '');
  const base = { cause: err, code: 'network' };
  // undici reports a proxy that refuses the CONNECT as an abort: say so, not "no answer".
  const proxyStatus = /^Proxy response \((\d{3})\)/.exec((err as Error)?.message ?? '')?.[1];
  if (proxyStatus !== undefined && !timedOut) {
    return {
      ...base,
      reason: `the proxy refused the connection (HTTP ${proxyStatus})`,
      retryable: false,
      notSent: true,
      hint: proxyStatus === '407' ? 'the proxy wants credentials: put them in HTTPS_PROXY (http://user:password@host:port)' : 'check HTTPS_PROXY, HTTP_PROXY and NO_PROXY',
    };
  }
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_ABORTED') {
    return { ...base, reason: `no answer within ${formatSeconds(attemptMs)}`, retryable: true, notSent: false, code: 'timeout' };
  }
  switch (code) {
    case 'ECONNREFUSED':
      return { ...base, reason: 'connection refused', retryable: true, notSent: true };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { ...base, reason: 'timed out connecting', retryable: true, notSent: true, code: 'timeout' };
    case 'EAI_AGAIN':
      return { ...base, reason: 'DNS lookup failed (temporary)', retryable: true, notSent: true };
    case 'ENOTFOUND':
      return { ...base, reason: 'host not found (DNS)', retryable: false, notSent: true, hint: 'check the URL and your network' };
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return { ...base, reason: 'network unreachable', retryable: true, notSent: true };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return { ...base, reason: 'the connection closed before the response was complete', retryable: true, notSent: false };
  }
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test((err as Error)?.message ?? '')) {
    return {
      ...base,
      reason: `TLS verification failed (${code || 'certificate'})`,
      retryable: false,
      notSent: true,
      code: 'tls',
      hint: 'if a private CA signs this server, point NODE_EXTRA_CA_CERTS at its PEM bundle',
    };
  }
  if (code.startsWith('UND_ERR_PRX')) {
    return { ...base, reason: 'the proxy refused or failed the connection', retryable: true, notSent: true, hint: 'check HTTPS_PROXY, HTTP_PROXY and NO_PROXY' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ...base, reason: sanitizeForTerminal(message.split('\n')[0] ?? message), retryable: false, notSent: false };
}

/** Reads a body up to `maxBytes`; a larger one is an error, never held in memory. */
async function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new TooLargeError();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeBody(text: string, contentType: string | undefined): string {
  const start = text.trimStart();
  if (start === '') return 'an empty body';
  if (start.startsWith('<')) return 'an HTML page';
  if (start.startsWith('{') || start.startsWith('[')) return 'truncated or malformed JSON';
  return contentType ? `a ${contentType.split(';')[0]} body` : 'a non-JSON body';
}

function flatHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function makeResponse(status: number, headers: Record<string, string>, text: string, what: string, host: string): HttpResponse {
  const parse = (): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  };
  return {
    status,
    headers,
    text,
    json<T>(): T {
      const parsed = parse();
      if (!parsed.ok) {
        throw new NetworkError(
          `${what} to ${host} got an invalid response: HTTP ${status} with ${describeBody(text, headers['content-type'])}, not JSON`,
          { code: 'bad_response', hint: 'the server or a proxy in between is misbehaving; try again later' },
        );
      }
      return parsed.value as T;
    },
    jsonOrUndefined(): unknown {
      const parsed = parse();
      return parsed.ok ? parsed.value : undefined;
    },
  };
}

function proxySettings(env: Deps['env']): { httpProxy?: string; httpsProxy?: string; noProxy?: string } {
  const pick = (lower: string, upper: string) => env[lower] || env[upper] || undefined;
  const settings: { httpProxy?: string; httpsProxy?: string; noProxy?: string } = {};
  const httpProxy = pick('http_proxy', 'HTTP_PROXY');
  const httpsProxy = pick('https_proxy', 'HTTPS_PROXY');
  const noProxy = pick('no_proxy', 'NO_PROXY');
  // Empty strings stop undici from falling back to process.env.
  settings.httpProxy = httpProxy ?? '';
  settings.httpsProxy = httpsProxy ?? httpProxy ?? '';
  settings.noProxy = noProxy ?? '';
  return settings;
}

/** Creates the HTTP client. */
export function createHttpClient(deps: Deps, options: HttpClientOptions = {}): HttpClient {
  const attemptMs = attemptBudgetMs(deps, options);
  const totalMs = requestBudgetMs(deps, options);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  let dispatcher: Dispatcher | undefined;
  const agent = (): Dispatcher => {
    if (dispatcher) return dispatcher;
    const settings = {
      connect: { timeout: Math.min(attemptMs, 10_000) },
      headersTimeout: attemptMs,
      bodyTimeout: attemptMs,
      keepAliveTimeout: 2000,
    };
    // From deps, not process.env, so that what core sees is what it uses.
    const proxies = proxySettings(deps.env);
    dispatcher =
      proxies.httpProxy || proxies.httpsProxy ? new (loadEnvHttpProxyAgent())({ ...settings, ...proxies }) : new Agent(settings);
    return dispatcher;
  };

  function noteRateLimit(host: string, headers: Record<string, string>): void {
    const remaining = Number(headers['x-ratelimit-remaining']);
    if (!options.onRateLimitLow || headers['x-ratelimit-remaining'] === undefined || !Number.isFinite(remaining)) return;
    const limit = Number(headers['x-ratelimit-limit']);
    const low = Number.isFinite(limit) && limit > 0 ? remaining <= limit * 0.1 : remaining <= 10;
    if (!low) return;
    const info: RateLimitInfo = { host, remaining };
    if (Number.isFinite(limit)) info.limit = limit;
    if (headers['x-ratelimit-reset'] !== undefined) info.reset = headers['x-ratelimit-reset'];
    options.onRateLimitLow(info);
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? (req.form || req.json !== undefined ? 'POST' : 'GET');
    const what = req.what ?? 'request';
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new UsageError(`${what}: invalid URL ${JSON.stringify(req.url.slice(0, 80))}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UsageError(`${what}: only https:// URLs are allowed (got ${url.protocol}//)`);
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw new UsageError(`refusing to send the ${what} to ${url.host} over plain http://`, {
        hint: 'use https://; http:// is allowed only for loopback hosts (127.0.0.1, ::1, localhost)',
      });
    }
    const host = url.host;
    const shown = `${method} ${url.origin}${url.pathname}`; // never the query: it may carry codes
    const headers: Record<string, string> = { 'user-agent': 'eun', accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.form) {
      body = req.form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    const idempotent = req.idempotent ?? IDEMPOTENT.has(method);
    const maxBytes = req.maxBytes ?? options.maxBytes ?? DEFAULT_MAX_BYTES;
    const started = deps.now();
    const deadline = started + totalMs;
    let last: Failure | undefined;
    let made = 0;
    for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
      if (attempt > 0 && last) {
        const backoff = backoffDelay(policy, attempt - 1);
        const wait = last.retryAfterMs !== undefined ? Math.max(last.retryAfterMs, backoff) : backoff;
        if (deps.now() + wait >= deadline) break;
        deps.debug(`${shown}: ${last.reason}; retrying in ${wait} ms`);
        await sleep(wait);
      }
      const remaining = deadline - deps.now();
      if (remaining <= 0) break;
      const budget = Math.min(attemptMs, remaining);
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, budget);
      const t0 = deps.now();
      made++;
      try {
        const res = await rawRequest.call(agent(), {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          body,
          signal: controller.signal,
          headersTimeout: budget,
          bodyTimeout: budget,
        });
        const status = res.statusCode;
        const resHeaders = flatHeaders(res.headers);
        let text: string;
        try {
          text = await readCapped(res.body, maxBytes);
        } catch (err) {
          if (err instanceof TooLargeError) {
            throw new NetworkError(`${what} to ${host} got a response larger than ${Math.round(maxBytes / 1024)} KiB`, {
              code: 'bad_response',
              hint: 'the server or a proxy in between is misbehaving',
            });
          }
          throw err;
        }
        deps.debug(`${shown} → ${status} in ${deps.now() - t0} ms`);
        // A 429 is reported as the error itself, not also as a budget warning.
        if (status !== 429) noteRateLimit(host, resHeaders);
        if (isRetryableStatus(status)) {
          const retryAfter = parseRetryAfter(resHeaders['retry-after'], deps.now());
          // A 429 (and a 503 with Retry-After) says the request was not processed: safe to resend.
          const notSent = status === 429 || (status === 503 && retryAfter !== undefined);
          last = {
            reason: status === 429 ? 'rate limited (HTTP 429)' : `server error (HTTP ${status})`,
            retryable: true,
            notSent,
            code: status === 429 ? 'rate_limited' : 'server_error',
            hint: status === 429 ? 'the server is rate limiting; try again later' : 'the server may be down; try again later',
          };
          if (retryAfter !== undefined) {
            if (retryAfter > policy.maxRetryAfterMs) {
              last.hint = `the server asks to wait ${formatSeconds(Math.ceil(retryAfter / 1000) * 1000)}; try again then`;
              break;
            }
            last.retryAfterMs = retryAfter;
          }
          if (!idempotent && !notSent) break;
          continue;
        }
        return makeResponse(status, resHeaders, text, what, host);
      } catch (err) {
        if (err instanceof NetworkError || err instanceof UsageError) throw err;
        last = classify(err, attemptMs, timedOut);
        deps.debug(`${shown} failed: ${last.reason}`);
        if (!last.retryable || (!idempotent && !last.notSent)) break;
      } finally {
        clearTimeout(timer);
      }
    }
    const failure = last as Failure;
    const tries = made > 1 ? ` (${made} attempts in ${formatSeconds(Math.round((deps.now() - started) / 100) * 100)})` : '';
    const details: { code: string; hint?: string; cause?: unknown } = { code: failure.code };
    if (failure.hint) details.hint = failure.hint;
    if (failure.cause) details.cause = failure.cause;
    throw new NetworkError(`${what} to ${host} failed: ${failure.reason}${tries}`, details);
  }

  return {
    request,
    async close() {
      const d = dispatcher;
      dispatcher = undefined;
      if (d) await d.close();
    },
  };
}
