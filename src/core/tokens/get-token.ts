/**
 * `eun token get`: a cached client-credentials token, minted only on a miss. This module is
 * on the hot path, so it imports only what a cache hit needs; the mint code loads on a miss.
 */
import type { Deps } from '../deps.js';
import { readCachedToken, isFresh } from './cache.js';
import { type TokenSelection, resolveTokenTarget } from './credentials.js';
import { parseDuration } from './duration.js';
import { tokenCacheFile } from './key.js';
import type { TokenResult } from './output.js';

/** Options of `getToken`: which token, and how fresh. */
export interface TokenOptions extends TokenSelection {
  /** The token must stay valid at least this long (ms). */
  minTtlMs?: number;
  /** Mint a new token even if a cached one is good. */
  forceRefresh?: boolean;
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
}

/** A token for `options`: the cached one while fresh enough, else a new one (single flight across processes). */
export async function getToken(deps: Deps, options: TokenOptions, hooks: TokenHooks = {}): Promise<TokenResult> {
  const started = deps.now();
  const target = await resolveTokenTarget(deps, options);
  const file = tokenCacheFile(deps, target.key);
  if (!options.forceRefresh) {
    const cached = readCachedToken(file, target.key);
    if (cached && isFresh(cached, started, options.minTtlMs)) {
      deps.debug(`token of ${target.key.clientId} from the cache (expires ${new Date(cached.expiresAt).toISOString()})`);
      const result: TokenResult = { accessToken: cached.accessToken, tokenType: cached.tokenType, expiresAt: cached.expiresAt, source: 'cache' };
      if (cached.scope !== undefined) result.scope = cached.scope;
      return result;
    }
  }
  hooks.onMiss?.();
  const { mintOrWait } = await import('./mint.js');
  return mintOrWait(deps, target, file, { ...options, startedAt: started });
}
