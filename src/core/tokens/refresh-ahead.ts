/**
 * The detached process of a refresh-ahead: mints the successor of a token that entered its
 * refresh window, if no one else is minting it. It never waits for the key's lock: when
 * another process holds it, that process is minting and this one gives up.
 */
import { writeFileAtomic } from '../fs/atomic.js';
import { tryLock } from '../fs/lock.js';
import { requestBudgetMs } from '../http/budget.js';
import type { Deps } from '../deps.js';
import { isEunError } from '../errors.js';
import { inRefreshWindow, isFresh, readCachedToken } from './cache.js';
import type { TokenTarget } from './credentials.js';
import { tokenCacheFile } from './key.js';
import { type RefreshState, clearRefreshState, refreshStateFile } from './refresh-state.js';

/** How a background refresh ended. */
export type RefreshOutcome = 'refreshed' | 'not-needed' | 'busy' | 'failed';

/** Refreshes the cached token of `target` ahead of its expiry; a failure is left in its `.refresh` file. */
export async function refreshAhead(deps: Deps, target: TokenTarget): Promise<RefreshOutcome> {
  const file = tokenCacheFile(deps, target.key);
  let held;
  try {
    held = await tryLock(`${file}.lock`, { staleMs: 2 * requestBudgetMs(deps) + 15_000 });
  } catch {
    held = undefined;
  }
  if (!held) {
    // Someone is minting (or the cache is unusable): nothing for us to do.
    clearRefreshState(file);
    return 'busy';
  }
  let entry;
  try {
    entry = readCachedToken(file, target.key);
    if (entry && isFresh(entry, deps.now()) && !inRefreshWindow(entry, deps.now())) {
      clearRefreshState(file);
      return 'not-needed';
    }
    const { requestToken } = await import('./request-token.js');
    await requestToken(deps, target, file, {});
    clearRefreshState(file);
    return 'refreshed';
  } catch (err) {
    const failure: RefreshState = { version: 1, state: 'failed', at: deps.now() };
    failure.code = isEunError(err) ? err.code : 'unexpected';
    failure.message = (err instanceof Error ? err.message : String(err)).slice(0, 300);
    if (entry) failure.expiresAt = entry.expiresAt;
    try {
      await writeFileAtomic(refreshStateFile(file), JSON.stringify(failure));
    } catch {
      /* reported by no one; the next caller in the window tries again */
    }
    return 'failed';
  } finally {
    await held.release();
  }
}
