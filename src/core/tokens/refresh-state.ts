/**
 * The state of a token's background refresh (refresh-ahead), in a small file beside its cache
 * entry: "running" while a detached process mints, "failed" when it could not. Read on the hot
 * path, so only built-ins and nothing that waits: readers never take a lock.
 */
const { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } = process.getBuiltinModule('node:fs');

/** What the `.refresh` file beside a cache entry holds. */
export interface RefreshState {
  version: 1;
  state: 'running' | 'failed';
  /** When the refresh was started, or when it failed (ms since the epoch). */
  at: number;
  /** Of a failure: the error's code and message (never a secret: messages hold none). */
  code?: string;
  message?: string;
  /** Of a failure: the expiry of the cached token it was to replace. */
  expiresAt?: number;
}

/** A refresh that has not taken the key's lock this long after it was claimed is taken for dead. */
const STARTING_MS = 10_000;

/** How old the lock file at `path` is (Infinity when there is none). */
function lockAge(path: string, now: number): number {
  try {
    return now - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

/** The refresh state file of a cache file. */
export function refreshStateFile(file: string): string {
  return file.replace(/\.json$/, '.refresh');
}

/** Reads the refresh state of `file`: undefined when there is none; one being written counts as running. */
export function readRefreshState(file: string): RefreshState | undefined {
  const path = refreshStateFile(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as RefreshState;
    if (state?.version === 1 && (state.state === 'running' || state.state === 'failed') && Number.isFinite(state.at)) return state;
  } catch {
    /* cut short: judged by its age below */
  }
  try {
    return { version: 1, state: 'running', at: statSync(path).mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * Claims the background refresh of `file` for the caller, who must then start it. Nobody
 * claims it while the key's lock is held (a mint is under way; a lock older than
 * `lockStaleMs` is left to the refresh to break, as any mint would), while another refresh is
 * starting or running, or within `retryMs` of a failed one. Two callers that both find a
 * dead claim may both win: the refreshing processes then meet at the key's lock, and the
 * second finds the token refreshed, so one mint still happens.
 */
export function claimRefresh(file: string, now: number, retryMs: number, lockStaleMs = 75_000): boolean {
  if (lockAge(`${file}.lock`, now) < lockStaleMs) return false;
  const path = refreshStateFile(file);
  const state = readRefreshState(file);
  if (state) {
    const age = now - state.at;
    if (state.state === 'running' ? age < STARTING_MS : age < retryMs) return false;
    rmSync(path, { force: true });
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch {
    return false; // another caller claimed it first (or the directory is unusable)
  }
  try {
    writeSync(fd, JSON.stringify({ version: 1, state: 'running', at: now } satisfies RefreshState));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Forgets the refresh state of `file` (the refresh is over, or was never started). */
export function clearRefreshState(file: string): void {
  rmSync(refreshStateFile(file), { force: true });
}
