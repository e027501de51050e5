/**
 * `eun token get`: a cached client-credentials token, minted only on a miss. This module is
 * on the hot path, so it imports only what a cache hit needs; the mint code loads on a miss.
 */
import type { Deps } from '../deps.js';
import { requestBudgetMs } from '../http/budget.js';
import { type CachedToken, inRefreshWindow, isFresh, readCachedToken } from './cache.js';
import { type TokenSelection, type TokenTarget, resolveTokenTarget } from './credentials.js';
import { parseDuration } from './duration.js';
import { tokenCacheFile } from './key.js';
import type { TokenResult } from './output.js';
import { claimRefresh, readRefreshState } from './refresh-state.js';

/** Options of `getToken`: which token, and how fresh. */
export interface TokenOptions extends TokenSelection {
  /** The token must stay valid at least this long (ms). */
  minTtlMs?: number;
  /** Mint a new token even if a cached one is good. */
  forceRefresh?: boolean;
  /** A token in its refresh window is not good enough: mint its successor now (`token exec --keep-fresh`). */
  beyondRefreshWindow?: boolean;
}

/** The flags of `eun token get` as both the hot path and the command parse them. */
export interface TokenGetFlags {
  'client-id'?: string;
  scope?: string[];
  audience?: string;
  resource?: string[];
  issuer?: string;
  'token-url'?: string;
  'min-ttl'?: string;
  'force-refresh'?: boolean;
  profile?: string;
}

/** Converts parsed flags into `getToken` options (a bad `--min-ttl` is a UsageError). */
export function tokenOptionsFromFlags(flags: TokenGetFlags): TokenOptions {
  const options: TokenOptions = {};
  if (flags['client-id'] !== undefined) options.clientId = flags['client-id'];
  if (flags.scope !== undefined) options.scopes = flags.scope;
  if (flags.audience !== undefined) options.audience = flags.audience;
  if (flags.resource !== undefined) options.resources = flags.resource;
  if (flags.issuer !== undefined) options.issuer = flags.issuer;
  if (flags['token-url'] !== undefined) options.tokenUrl = flags['token-url'];
  if (flags['min-ttl'] !== undefined) options.minTtlMs = parseDuration(flags['min-ttl'], '--min-ttl');
  if (flags['force-refresh']) options.forceRefresh = true;
  if (flags.profile !== undefined) options.profile = flags.profile;
  return options;
}

/** Callbacks of `getToken`. */
export interface TokenHooks {
  /** Called on a cache miss, before the code that mints is loaded. */
  onMiss?: () => void;
  /**
   * Starts a detached process that refreshes the token of `target` (src/hot/refresh-spawn.ts).
   * Called for a cached token in its refresh window, by the one caller that claims the refresh.
   */
  refreshInBackground?: (target: TokenTarget) => void;
}

/**
 * A cached token in its refresh window: reports a failed background refresh (under
 * --verbose) and, unless one is under way, has a detached process mint its successor.
 */
function noticeRefreshWindow(deps: Deps, target: TokenTarget, file: string, cached: CachedToken, now: number, hooks: TokenHooks): void {
  const state = readRefreshState(file);
  // A failure to replace another token (a predecessor of this one) is not this token's.
  if (state?.state === 'failed' && (state.expiresAt === undefined || state.expiresAt === cached.expiresAt)) {
    deps.debug(`the background refresh of this token failed ${Math.round((now - state.at) / 1000)}s ago: ${state.message ?? state.code ?? 'unknown error'}`);
  }
  if (!hooks.refreshInBackground) return;
  // After a failure, try again at most every 30 s (a tenth of the lifetime for short-lived tokens).
  const retryMs = Math.min(30_000, Math.max(1000, (cached.expiresAt - cached.issuedAt) / 10));
  try {
    if (!claimRefresh(file, now, retryMs, 2 * requestBudgetMs(deps) + 15_000)) return;
    hooks.refreshInBackground(target);
    deps.debug('the token is in its refresh window: its successor is being minted in the background');
  } catch (err) {
    deps.debug(`could not start a background refresh: ${(err as Error).message}`);
  }
}

/** A token for `options`: the cached one while fresh enough, else a new one (single flight across processes). */
export async function getToken(deps: Deps, options: TokenOptions, hooks: TokenHooks = {}): Promise<TokenResult> {
  const started = deps.now();
  const target = await resolveTokenTarget(deps, options);
  const file = tokenCacheFile(deps, target.key);
  if (!options.forceRefresh) {
    const cached = readCachedToken(file, target.key);
    if (cached && isFresh(cached, started, options.minTtlMs) && !(options.beyondRefreshWindow && inRefreshWindow(cached, started))) {
      deps.debug(`token of ${target.key.clientId} from the cache (expires ${new Date(cached.expiresAt).toISOString()})`);
      if (inRefreshWindow(cached, started)) noticeRefreshWindow(deps, target, file, cached, started, hooks);
      const result: TokenResult = {
        accessToken: cached.accessToken,
        tokenType: cached.tokenType,
        issuedAt: cached.issuedAt,
        expiresAt: cached.expiresAt,
        source: 'cache',
      };
      if (cached.scope !== undefined) result.scope = cached.scope;
      return result;
    }
  }
  hooks.onMiss?.();
  const { mintOrWait } = await import('./mint.js');
  return mintOrWait(deps, target, file, { ...options, startedAt: started });
}
