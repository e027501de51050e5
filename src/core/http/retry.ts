/**
 * When to retry an HTTP request and how long to wait: exponential backoff with full jitter,
 * `Retry-After` honoured but capped, everything bounded by a total time budget.
 */

/** Retry settings of one request. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff ceiling (ms); doubles on each retry. */
  baseDelayMs: number;
  /** Largest backoff ceiling (ms). */
  maxDelayMs: number;
  /** Largest `Retry-After` honoured (ms); a longer one ends the retries. */
  maxRetryAfterMs: number;
}

/** Defaults: 4 attempts, 250 ms doubling to 4 s, `Retry-After` up to 20 s. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4000, maxRetryAfterMs: 20_000 };

/** Full jitter: a uniform wait in [0, min(max, base · 2^retry)). `retry` counts from 0. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Status codes worth another attempt: 5xx except 501/505 (they will not change), and 429. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}
