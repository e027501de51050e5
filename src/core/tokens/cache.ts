/**
 * Reading the token cache: kept free of heavy imports, because a cache hit of
 * `eun token get` runs nothing else.
 */
import { type TokenKey, canonicalKey } from './key.js';

// Not `import … from 'node:fs'`: the ES-module facade of a built-in evaluates all of its
// lazy exports (fs/promises and more), which costs a cache hit ~3 MB of RSS and a few ms.
const { readFileSync } = process.getBuiltinModule('node:fs');

/** The largest time a Date holds (ms since the epoch). */
const MAX_DATE_MS = 8.64e15;

/** One cached token, as stored (no secret: the client secret never reaches the cache). */
export interface CachedToken {
  version: 1;
  key: TokenKey;
  accessToken: string;
  tokenType: string;
  /** Granted scope, as the issuer said (or as requested). */
  scope?: string;
  /** When it was received, ms since the epoch. */
  issuedAt: number;
  /** When it expires, ms since the epoch. */
  expiresAt: number;
}

/** Reuse a token until this close to expiry... */
export const EXPIRY_MARGIN_MS = 60_000;
/** ...or this fraction of its lifetime, if shorter. */
export const EXPIRY_MARGIN_FRACTION = 0.1;

/**
 * Refresh ahead in the last third of a token's lifetime. The expiry margin is at most a
 * tenth of it, so the window always opens well before a token stops being handed out.
 */
export const REFRESH_WINDOW_FRACTION = 1 / 3;

/** True when a still-usable token has entered its refresh window: time to mint its successor. */
export function inRefreshWindow(entry: Pick<CachedToken, 'issuedAt' | 'expiresAt'>, now: number): boolean {
  return entry.expiresAt - now <= (entry.expiresAt - entry.issuedAt) * REFRESH_WINDOW_FRACTION;
}

/** When the refresh window of a token opens, ms since the epoch. */
export function refreshWindowStart(entry: Pick<CachedToken, 'issuedAt' | 'expiresAt'>): number {
  return entry.expiresAt - (entry.expiresAt - entry.issuedAt) * REFRESH_WINDOW_FRACTION;
}

/** Reads the cached token of `key`; a missing, corrupt or foreign file is a miss, never an error. */
export function readCachedToken(file: string, key: TokenKey): CachedToken | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const entry = JSON.parse(text) as CachedToken;
    if (
      entry?.version !== 1 ||
      typeof entry.accessToken !== 'string' ||
      entry.accessToken === '' ||
      typeof entry.tokenType !== 'string' ||
      !Number.isFinite(entry.issuedAt) ||
      !Number.isFinite(entry.expiresAt) ||
      // Beyond what a Date can hold (a cache written from an absurd expires_in): a miss.
      Math.abs(entry.expiresAt) > MAX_DATE_MS ||
      typeof entry.key !== 'object' ||
      canonicalKey(entry.key) !== canonicalKey(key)
    ) {
      return undefined;
    }
    return entry;
  } catch {
    return undefined;
  }
}

/**
 * True when the token is good to hand out: more than the expiry margin left (60 s, or 10 %
 * of its lifetime if shorter) and at least `minTtlMs`.
 */
export function isFresh(entry: CachedToken, now: number, minTtlMs = 0): boolean {
  const remaining = entry.expiresAt - now;
  const margin = Math.min(EXPIRY_MARGIN_MS, (entry.expiresAt - entry.issuedAt) * EXPIRY_MARGIN_FRACTION);
  return remaining > margin && remaining >= minTtlMs;
}
