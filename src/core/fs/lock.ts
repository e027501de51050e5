import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ensurePrivateDir, isProcessAlive } from './atomic.js';

/** Options of a cross-process lock. */
export interface LockOptions {
  /** Give up waiting after this long (ms). */
  timeoutMs?: number;
  /** A lock older than this is taken to be abandoned, even if its owner looks alive (ms). */
  staleMs?: number;
  /** Wait between attempts (ms). */
  pollMs?: number;
}

/** Raised when a lock could not be had in time. */
export class LockTimeoutError extends Error {
  constructor(readonly lockPath: string) {
    super(`timed out waiting for the lock ${lockPath}`);
  }
}

interface Owner {
  pid: number;
  host: string;
  nonce: string;
  at: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


async function readOwner(path: string): Promise<{ raw: string; owner?: Owner } | undefined> {
  try {
    const raw = await readFile(path, 'utf8');
    try {
      return { raw, owner: JSON.parse(raw) as Owner };
    } catch {
      return { raw };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Creates `path` holding `content`, or returns false if it exists. The content is written to
 * a private temp file first and linked into place, so the lock file is never seen empty: a
 * process killed between creating and writing it would otherwise leave an ownerless lock that
 * blocks everyone until it is `staleMs` old.
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
    await link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // No hard links on this file system: create and write in place.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return createInPlace(path, content);
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function createInPlace(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function isStale(path: string, staleMs: number): Promise<string | undefined> {
  const seen = await readOwner(path);
  if (!seen) return undefined;
  const { raw, owner } = seen;
  if (owner && owner.host === hostname() && !isProcessAlive(owner.pid)) return raw;
  // An unparsable lock file is a write cut short by a kill: judge it by its age.
  let age: number;
  try {
    age = Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
  return age > staleMs ? raw : undefined;
}

/**
 * Removes an abandoned lock. Breaking is itself guarded by a short-lived lock and re-checks
 * that the file still holds the stale owner, so that two breakers never remove a lock that a
 * third process has just taken.
 */
async function breakStale(path: string, staleRaw: string, staleMs: number): Promise<void> {
  const guard = `${path}.break`;
  if (!(await createExclusive(guard, String(process.pid)))) {
    // A breaker killed mid-break leaves its guard behind: expire it quickly.
    try {
      if (Date.now() - (await stat(guard)).mtimeMs > Math.min(staleMs, 5000)) await rm(guard, { force: true });
    } catch {
      /* gone already */
    }
    return;
  }
  try {
    const now = await readOwner(path);
    if (now && now.raw === staleRaw) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** A held lock; release it exactly once. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Tries once to take the lock at `path`; resolves `undefined` when another live process holds
 * it. Abandoned locks (dead owner, or older than `staleMs`) are broken first.
 */
export async function tryLock(path: string, options: LockOptions = {}): Promise<HeldLock | undefined> {
  const staleMs = options.staleMs ?? 30_000;
  await ensurePrivateDir(dirname(path));
  const owner: Owner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex'), at: Date.now() };
  const content = JSON.stringify(owner);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createExclusive(path, content)) {
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          const now = await readOwner(path);
          if (now && now.raw === content) await rm(path, { force: true });
        },
      };
    }
    const staleRaw = await isStale(path, staleMs);
    if (staleRaw === undefined) return undefined;
    await breakStale(path, staleRaw, staleMs);
  }
  return undefined;
}

/** Waits for the lock at `path` (up to `timeoutMs`), then runs `fn` and releases it. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const pollMs = options.pollMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await tryLock(path, options);
    if (held) {
      try {
        return await fn();
      } finally {
        await held.release();
      }
    }
    if (Date.now() >= deadline) throw new LockTimeoutError(path);
    // Jitter so that many waiters do not retry in lockstep.
    await sleep(pollMs + Math.floor(Math.random() * pollMs));
  }
}
