/**
 * A cache miss of `eun token get`: single flight across processes. The first process takes
 * the key's lock, reads the cache again and only then mints; the others wait, watching the
 * cache file, and take the token (or the failure) it leaves. A lock left by a killed process
 * is broken (src/core/fs/lock.ts), and no one waits longer than a mint can take.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Deps } from '../deps.js';
import { EunError, type ExitCode, isEunError } from '../errors.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/atomic.js';
import { tryLock } from '../fs/lock.js';
import { requestBudgetMs } from '../http/budget.js';
import { type CachedToken, inRefreshWindow, isFresh, readCachedToken } from './cache.js';
import type { TokenTarget } from './credentials.js';
import type { TokenOptions } from './get-token.js';
import type { TokenResult } from './output.js';

/** A failed mint, left for the processes that waited on it (no secret in it: messages never hold one). */
interface FailureRecord {
  version: 1;
  at: number;
  code: string;
  exitCode: ExitCode;
  message: string;
  hint?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function fromCache(entry: CachedToken, source: TokenResult['source']): TokenResult {
  const result: TokenResult = { accessToken: entry.accessToken, tokenType: entry.tokenType, issuedAt: entry.issuedAt, expiresAt: entry.expiresAt, source };
  if (entry.scope !== undefined) result.scope = entry.scope;
  return result;
}

/** Where the failure of the last mint of `file` is kept for the processes that waited on it. */
export function failureFile(file: string): string {
  return file.replace(/\.json$/, '.error');
}

function readFailure(file: string, since: number): EunError | undefined {
  try {
    const record = JSON.parse(readFileSync(failureFile(file), 'utf8')) as FailureRecord;
    if (record.version !== 1 || !(record.at >= since)) return undefined;
    return new EunError(record.code, record.exitCode, record.message, record.hint === undefined ? {} : { hint: record.hint });
  } catch {
    return undefined;
  }
}

async function recordFailure(deps: Deps, file: string, err: unknown): Promise<void> {
  if (!isEunError(err)) return;
  const record: FailureRecord = { version: 1, at: deps.now(), code: err.code, exitCode: err.exitCode, message: err.message };
  if (err.hint !== undefined) record.hint = err.hint;
  try {
    await writeFileAtomic(failureFile(file), JSON.stringify(record));
  } catch {
    /* the waiters will mint themselves */
  }
}

/** Mints under the key's lock, or waits for the process that holds it. */
export async function mintOrWait(deps: Deps, target: TokenTarget, file: string, options: TokenOptions & { startedAt: number }): Promise<TokenResult> {
  const budget = requestBudgetMs(deps);
  // Only the process that mints loads the HTTP and OAuth code; waiters stay light.
  const mintNow = async (useCache = true) => (await import('./request-token.js')).requestToken(deps, target, useCache ? file : undefined, options);
  // A live holder needs at most discovery + token request (+ a keychain read): break it only beyond that.
  const staleMs = 2 * budget + 15_000;
  const waitUntil = options.startedAt + staleMs + 5_000;
  const usable = (entry: CachedToken): boolean => {
    const mintedSinceStart = entry.issuedAt >= options.startedAt;
    if ((options.forceRefresh || (options.beyondRefreshWindow && inRefreshWindow(entry, deps.now()))) && !mintedSinceStart) return false;
    // A token minted after we started is the freshest the issuer gives, even if short of --min-ttl.
    return isFresh(entry, deps.now(), options.minTtlMs) || (mintedSinceStart && isFresh(entry, deps.now()));
  };
  for (;;) {
    let held;
    try {
      await ensurePrivateDir(dirname(file));
      held = await tryLock(`${file}.lock`, { staleMs });
    } catch (err) {
      // An unusable cache directory costs the cache, not the token.
      deps.stderr.write(`eun: warning: cannot use the token cache in ${dirname(file)}: ${(err as Error).message}\n`);
      return mintNow(false);
    }
    if (held) {
      try {
        // Re-read after taking the lock: another process may have minted meanwhile.
        const again = readCachedToken(file, target.key);
        if (again && usable(again)) return fromCache(again, 'cache');
        const failed = readFailure(file, options.startedAt);
        if (failed) throw failed;
        try {
          return await mintNow();
        } catch (err) {
          await recordFailure(deps, file, err);
          throw err;
        }
      } finally {
        await held.release();
      }
    }
    const again = readCachedToken(file, target.key);
    if (again && usable(again)) return fromCache(again, 'cache');
    const failed = readFailure(file, options.startedAt);
    if (failed) throw failed;
    if (deps.now() >= waitUntil) {
      deps.debug('gave up waiting for the token lock; minting without it');
      return mintNow();
    }
    await sleep(10 + Math.floor(Math.random() * 20));
  }
}
