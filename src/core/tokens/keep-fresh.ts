/**
 * `eun token exec --keep-fresh`: a private token file whose token is replaced as soon as it
 * enters its refresh window (the last third of its lifetime), so a reader never gets one
 * about to expire, for commands that run longer than a token lives.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../config/paths.js';
import type { Deps } from '../deps.js';
import { ensurePrivateDir, isProcessAlive, writeFileAtomic } from '../fs/atomic.js';
import { refreshWindowStart } from './cache.js';
import { type TokenOptions, getToken } from './get-token.js';
import type { TokenResult } from './output.js';


/** The longest delay a Node timer holds. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A token file kept fresh until `stop()`, which also removes it. */
export interface FreshTokenFile {
  readonly path: string;
  stop(): Promise<void>;
}

/** Retry a failed renewal this often (sooner for short-lived tokens). */
const RETRY_MS = 10_000;

/** Removes the token files of `eun token exec` runs whose eun is gone (killed with -9: no cleanup ran). */
async function sweepAbandoned(parent: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^run-(\d+)-/.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/** When `token` should be replaced: when its refresh window opens (never for a token without expiry). */
function renewAt(token: TokenResult, now: number): number | undefined {
  if (token.expiresAt === undefined) return undefined;
  // Without a known lifetime, as if it were counted from now.
  const issuedAt = token.issuedAt ?? Math.min(now, token.expiresAt);
  return refreshWindowStart({ issuedAt, expiresAt: token.expiresAt });
}

/**
 * Writes `first` to a 0600 file in a private 0700 directory of this run (`pid` names it, so
 * that a later run can sweep it if this one is killed) and renews it while it runs.
 */
export async function keepTokenFresh(deps: Deps, options: TokenOptions, first: TokenResult, pid: number): Promise<FreshTokenFile> {
  const parent = join(cacheDir(deps), 'exec');
  await ensurePrivateDir(parent);
  await sweepAbandoned(parent);
  const dir = await mkdtemp(join(parent, `run-${pid}-`));
  const path = join(dir, 'token');
  await writeFileAtomic(path, first.accessToken);
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const renew = async (current: TokenResult) => {
    try {
      // A token in its refresh window is not good enough: mint (single flight with other processes).
      const next = await getToken(deps, { ...options, minTtlMs: undefined, forceRefresh: false, beyondRefreshWindow: true });
      if (stopped) return;
      await writeFileAtomic(path, next.accessToken);
      deps.debug(`renewed the token in ${path}`);
      schedule(next);
    } catch (err) {
      if (stopped) return;
      deps.stderr.write(`eun: warning: could not renew the token in ${path}: ${(err as Error).message}\n`);
      const left = (current.expiresAt ?? deps.now()) - deps.now();
      schedule(current, Math.min(RETRY_MS, Math.max(1000, left / 4)));
    }
  };
  function schedule(token: TokenResult, retryIn?: number): void {
    if (stopped) return;
    const at = renewAt(token, deps.now());
    if (at === undefined) return;
    const delay = retryIn ?? Math.max(0, at - deps.now());
    // A timer holds at most 2^31-1 ms (~24.8 days); a longer one fires at once (a token living
    // 60 days was rewritten every millisecond). Longer waits are taken in steps.
    if (delay > MAX_TIMER_MS) {
      timer = setTimeout(() => schedule(token), MAX_TIMER_MS);
      return;
    }
    timer = setTimeout(() => {
      inFlight = renew(token);
    }, delay);
  }
  schedule(first);

  return {
    path,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight?.catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
