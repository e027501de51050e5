/**
 * REF resolution: a REF is an account's id, its client id, or its name when only one account
 * has that name. An ambiguous name is a usage error listing the candidates.
 */
import { NetworkError, NotFoundError, UsageError, isEunError } from '../errors.js';
import type { ServiceAccount, ServiceAccountApi } from './types.js';
import { MAX_PAGE_LIMIT, validateRef } from './validate.js';

/** Most pages `listAllAccounts` follows: a safety net against a server that never ends. */
const MAX_PAGES = 1000;

/** Every account, following pages (of `pageSize`) until the server has no more. */
export async function listAllAccounts(api: ServiceAccountApi, pageSize = MAX_PAGE_LIMIT): Promise<ServiceAccount[]> {
  const all: ServiceAccount[] = [];
  const seen = new Set<string>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const result = await api.list({ page, limit: pageSize });
    // A server that ignores `page` sends the same items again: stop at the first repeat.
    const fresh = result.accounts.filter((a) => !seen.has(a.id));
    for (const account of fresh) {
      seen.add(account.id);
      all.push(account);
    }
    if (result.complete || fresh.length === 0 || result.accounts.length < result.limit) return all;
    if (result.total !== undefined && all.length >= result.total) return all;
  }
  // Still more after MAX_PAGES: a partial list would pass for the whole one (and a REF on a
  // later page for "not found").
  throw new NetworkError(`the server kept sending pages of service accounts; stopped after ${MAX_PAGES} pages (${all.length} accounts)`, {
    code: 'bad_response',
    hint: 'the server may ignore page and limit; list one page with eun sa list --page N',
  });
}

/** Finds the account `ref` names; NotFoundError (exit 3) when none does. */
export async function resolveAccount(api: ServiceAccountApi, ref: string): Promise<ServiceAccount> {
  validateRef(ref);
  if (api.looksLikeId(ref)) {
    try {
      return await api.get(ref);
    } catch (err) {
      // Not an id after all: it may still be a name or a client id.
      if (!(isEunError(err) && err instanceof NotFoundError)) throw err;
    }
  }
  const accounts = await listAllAccounts(api);
  const byId = accounts.find((a) => a.id === ref) ?? accounts.find((a) => a.clientId === ref);
  if (byId) return byId;
  const named = accounts.filter((a) => a.name === ref);
  if (named.length === 1) return named[0] as ServiceAccount;
  if (named.length > 1) {
    const list = named.map((a) => `${a.id} (${a.clientId})`).join(', ');
    throw new UsageError(`${named.length} service accounts are named ${JSON.stringify(ref)}: ${list}`, {
      hint: 'give the id or the client id instead',
    });
  }
  throw new NotFoundError(`service account ${ref} not found`, { hint: `list them with eun sa list (${api.where})` });
}

/** "name (id)" for messages. */
export function describeAccount(account: ServiceAccount): string {
  return account.name ? `${account.name} (${account.id})` : account.id;
}
