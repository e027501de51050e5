import { join } from 'node:path';
import type { Deps } from '../deps.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { cacheDir } from '../config/paths.js';

/**
 * The service accounts a profile had when `eun sa list` last looked, kept so that the shell
 * completion scripts can offer REFs and client ids without a network call per keypress.
 * File: `$EUN_CACHE_DIR/completion/accounts-<profile>.json` (0600, dir 0700). Holds names and
 * ids only, never a secret. The scripts ignore it once `writtenAt` is a day old.
 */
export interface CompletionAccountList {
  version: 1;
  profile: string;
  /** ISO-8601 UTC. */
  writtenAt: string;
  accounts: Array<{ id: string; clientId: string; name?: string }>;
}

/** Where the completion list of a profile lives. */
export function completionAccountListFile(deps: Pick<Deps, 'env' | 'homedir'>, profile: string): string {
  return join(cacheDir(deps), 'completion', `accounts-${profile}.json`);
}

/**
 * Saves the accounts of a profile for shell completion. Best effort: completion is a
 * convenience, so a failure is only reported through `debug`.
 */
export async function saveCompletionAccountList(
  deps: Pick<Deps, 'env' | 'homedir' | 'now' | 'debug'>,
  profile: string,
  accounts: ReadonlyArray<{ id: string; clientId: string; name?: string | undefined }>,
): Promise<void> {
  const list: CompletionAccountList = {
    version: 1,
    profile,
    writtenAt: new Date(deps.now()).toISOString(),
    accounts: accounts.map((a) => ({ id: String(a.id), clientId: a.clientId, ...(a.name ? { name: a.name } : {}) })),
  };
  try {
    await writeFileAtomic(completionAccountListFile(deps, profile), `${JSON.stringify(list)}\n`);
  } catch (err) {
    deps.debug(`could not save the completion list: ${err instanceof Error ? err.message : String(err)}`);
  }
}
