import { LocalStateError, isEunError } from '../errors.js';
import { LockTimeoutError, withLock } from '../fs/lock.js';

/**
 * Runs `fn` holding the cross-process lock at `lockPath`, for a secret store's writers. A lock
 * held too long, or one that cannot be made, becomes a LocalStateError saying `what` was
 * being done and what to do about it.
 */
export async function withStoreLock<T>(lockPath: string, what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  try {
    return await withLock(lockPath, fn, { timeoutMs });
  } catch (err) {
    if (err instanceof LockTimeoutError) {
      throw new LocalStateError(`cannot ${what}: another eun process holds ${lockPath}`, {
        hint: `if no other eun is running, remove ${lockPath}`,
      });
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (isEunError(err) || code === undefined) throw err;
    throw new LocalStateError(`cannot ${what}: cannot take the lock ${lockPath} (${code})`, {
      hint: 'check that the config directory is yours and writable',
      cause: err,
    });
  }
}
