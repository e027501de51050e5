import { HttpError } from './http.js';
import type { Settings } from './settings.js';

/** Fixed-window request buckets (one per flavor and org/workspace), with X-RateLimit-* headers. */
export class RateLimiter {
  private readonly buckets = new Map<string, { windowStart: number; used: number }>();

  constructor(private readonly settings: Settings) {}

  /** Takes one request from `bucket`; returns the headers to send, or throws a 429. */
  take(bucket: string, now = Date.now()): Record<string, string> {
    const { limit, windowSeconds } = this.settings.rateLimit;
    const windowMs = windowSeconds * 1000;
    let state = this.buckets.get(bucket);
    if (!state || now - state.windowStart >= windowMs) {
      state = { windowStart: now, used: 0 };
      this.buckets.set(bucket, state);
    }
    const resetAt = state.windowStart + windowMs;
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - state.used - 1)),
      'x-ratelimit-reset': String(Math.ceil(resetAt / 1000)),
    };
    if (state.used >= limit) {
      headers['x-ratelimit-remaining'] = '0';
      const retryAfter = String(Math.max(1, Math.ceil((resetAt - now) / 1000)));
      throw new HttpError(429, 'rate_limited', 'rate limit exceeded', { ...headers, 'retry-after': retryAfter });
    }
    state.used++;
    return headers;
  }

  /** Forgets all buckets (after the limit changes). */
  reset(): void {
    this.buckets.clear();
  }
}
