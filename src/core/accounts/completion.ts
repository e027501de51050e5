/**
 * Keeps the shell-completion list of `eun sa list` in step with create, rename and delete,
 * so that completion neither misses a new account nor offers a deleted one. Only an existing
 * list is changed, and its `writtenAt` stays: the list says when the server was last read.
 */
import { readFile } from 'node:fs/promises';
import { type CompletionAccountList, completionAccountListFile } from '../completion/account-list.js';
import type { Deps } from '../deps.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { ServiceAccount } from './types.js';

/** One change to the list: an account added or renamed, or one removed (by id). */
export type CompletionChange = { put: Pick<ServiceAccount, 'id' | 'clientId' | 'name'> } | { remove: string };

/** Applies `change` to the completion list of `profile`, if there is one. Best effort: never throws. */
export async function updateCompletionList(deps: Pick<Deps, 'env' | 'homedir' | 'debug'>, profile: string, change: CompletionChange): Promise<void> {
  const file = completionAccountListFile(deps, profile);
  try {
    let list: CompletionAccountList;
    try {
      list = JSON.parse(await readFile(file, 'utf8')) as CompletionAccountList;
    } catch {
      return; // no list (or an unreadable one): the next `eun sa list` writes it
    }
    if (list.version !== 1 || !Array.isArray(list.accounts)) return;
    if ('remove' in change) {
      list.accounts = list.accounts.filter((a) => a.id !== change.remove);
    } else {
      const { id, clientId, name } = change.put;
      const entry = { id, clientId, ...(name ? { name } : {}) };
      const at = list.accounts.findIndex((a) => a.id === id);
      if (at >= 0) list.accounts[at] = entry;
      else list.accounts.push(entry);
    }
    await writeFileAtomic(file, `${JSON.stringify(list)}\n`);
  } catch (err) {
    deps.debug(`could not update the completion list: ${err instanceof Error ? err.message : String(err)}`);
  }
}
