import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, chmod, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Creates `dir` (and parents) and makes sure `dir` itself is private to the user (0700). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const info = await stat(dir);
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/**
 * Writes `data` to `path` atomically: a private temp file beside it, fsync, rename. A reader
 * sees the old content or the new, never a torn file, even if this process is killed.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await removeAbandonedTemps(dirname(path));
}

/** True while process `pid` runs (on this host). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_NAME = /\.(\d+)\.[0-9a-f]+\.tmp$/;
const ABANDONED_AFTER_MS = 2000;

/**
 * Removes the temp files of writers that were killed before their rename (their process is
 * gone, and the file is older than any write takes, in case the writer was on another host
 * sharing the directory): each is a full copy of what it was writing, e.g. the secret store
 * as it was then, and would outlive a secret deleted later. Best effort.
 */
async function removeAbandonedTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1] ?? 0);
    if (pid === 0 || pid === process.pid || isProcessAlive(pid)) continue;
    const path = join(dir, name);
    try {
      if (Date.now() - (await stat(path)).mtimeMs < ABANDONED_AFTER_MS) continue;
      await rm(path, { force: true });
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
}

/** Reads a UTF-8 file, or `undefined` when it does not exist. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
