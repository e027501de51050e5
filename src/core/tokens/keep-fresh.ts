/**
 * `eun token exec --keep-fresh`: a private token file that is renewed well before the token
 * expires, for commands that run longer than a token lives.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../config/paths.js';
import type { Deps } from '../deps.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/atomic.js';
import { type TokenOptions, getToken } from './get-token.js';
import type { TokenResult } from './output.js';

/** A token file kept fresh until `stop()`, which also removes it. */
export interface FreshTokenFile {
  readonly path: string;
  stop(): Promise<void>;
}

/** Renew when a third of the remaining lifetime is left; retry failures this often. */
const RETRY_MS = 10_000;

/** Writes `first` to a 0600 file in a private directory and renews it before it expires. */
export async function keepTokenFresh(deps: Deps, options: TokenOptions, first: TokenResult): Promise<FreshTokenFile> {
  const parent = join(cacheDir(deps), 'exec');
  await ensurePrivateDir(parent);
  const dir = await mkdtemp(join(parent, 'run-'));
  const path = join(dir, 'token');
  await writeFileAtomic(path, first.accessToken);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = (token: TokenResult, delayOverride?: number) => {
    if (stopped || token.expiresAt === undefined) return;
    const remaining = token.expiresAt - deps.now();
    const delay = delayOverride ?? Math.max(1000, (remaining * 2) / 3);
    timer = setTimeout(async () => {
      try {
        // A token with less than half of the current one's life left is not good enough: mint.
        const next = await getToken(deps, { ...options, minTtlMs: Math.max(1000, remaining / 2) });
        if (stopped) return;
        await writeFileAtomic(path, next.accessToken);
        deps.debug(`renewed the token in ${path}`);
        schedule(next);
      } catch (err) {
        deps.stderr.write(`eun: warning: could not renew the token: ${(err as Error).message}\n`);
        schedule(token, Math.min(RETRY_MS, Math.max(1000, (token.expiresAt as number) - deps.now())));
      }
    }, delay);
  };
  schedule(first);

  return {
    path,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
