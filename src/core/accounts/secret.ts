/**
 * The client secret of a service account in the secret store, and the cached tokens minted
 * with it: kept after create, rotate and import; dropped after rotate, revoke and delete.
 * Storing never throws: the caller must print a one-time secret whatever happens here.
 */
import type { ResolvedProfile } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import { type EunError, LocalStateError, isEunError } from '../errors.js';
import { clearCachedTokens } from '../tokens/clear.js';
import { clientSecretAccount, secretService, type SecretRef } from '../secrets/types.js';

/** Where a profile keeps the secret of `clientId`. */
export function clientSecretRef(resolved: ResolvedProfile, clientId: string): SecretRef {
  return { service: secretService(resolved.name, resolved.profile.issuer), account: clientSecretAccount(clientId) };
}

/** The outcome of storing a secret. */
export type SecretKeeping = { stored: true; location: string } | { stored: false; error: EunError };

function asEunError(err: unknown, action: string): EunError {
  if (isEunError(err)) return err;
  return new LocalStateError(`could not ${action}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Stores (or replaces) the client secret of `clientId` for `resolved`. Never throws. */
export async function keepClientSecret(deps: Deps, resolved: ResolvedProfile, clientId: string, secret: string): Promise<SecretKeeping> {
  try {
    const { openSecretStore } = await import('../secrets/open.js');
    const store = await openSecretStore(deps);
    await store.set(clientSecretRef(resolved, clientId), secret);
    return { stored: true, location: store.location };
  } catch (err) {
    return { stored: false, error: asEunError(err, 'store the client secret') };
  }
}

/** Removes the stored secret of `clientId`; `true` when one was there. */
export async function forgetClientSecret(deps: Deps, resolved: ResolvedProfile, clientId: string): Promise<boolean> {
  const { openSecretStore } = await import('../secrets/open.js');
  const store = await openSecretStore(deps);
  return store.delete(clientSecretRef(resolved, clientId));
}

/** Drops every cached token of `clientId` (they die with a rotated secret or a revoked account). */
export function dropCachedTokens(deps: Deps, clientId: string): Promise<number> {
  return clearCachedTokens(deps, { clientId });
}
