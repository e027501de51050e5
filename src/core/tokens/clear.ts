/** Dropping cached tokens: one key's, one client's (after rotate, revoke or delete), or all. */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../config/paths.js';
import type { Deps } from '../deps.js';
import { type TokenKey, clientPrefix, tokenCacheFile, tokensDir } from './key.js';

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Drops every cached token of `clientId`, or with `all` every cached token (and cached
 * discovery document). Lock files are left to their owners. Returns how many tokens went.
 */
export async function clearCachedTokens(deps: Pick<Deps, 'env' | 'homedir'>, which: { clientId?: string; all?: boolean }): Promise<number> {
  if (!which.all && which.clientId === undefined) return 0;
  const dir = tokensDir(deps);
  const prefix = which.all ? '' : clientPrefix(which.clientId as string);
  let count = 0;
  for (const name of await names(dir)) {
    if (!name.startsWith(prefix) || !(name.endsWith('.json') || name.endsWith('.error') || name.endsWith('.refresh'))) continue;
    await rm(join(dir, name), { force: true });
    if (name.endsWith('.json')) count++;
  }
  if (which.all) await rm(join(cacheDir(deps), 'discovery'), { recursive: true, force: true });
  return count;
}

/** Drops the cached token of one key; `false` when there was none. */
export async function clearCachedToken(deps: Pick<Deps, 'env' | 'homedir'>, key: TokenKey): Promise<boolean> {
  const file = tokenCacheFile(deps, key);
  const existed = (await names(tokensDir(deps))).includes(file.slice(tokensDir(deps).length + 1));
  await rm(file, { force: true });
  await rm(file.replace(/\.json$/, '.error'), { force: true });
  await rm(file.replace(/\.json$/, '.refresh'), { force: true });
  return existed;
}
