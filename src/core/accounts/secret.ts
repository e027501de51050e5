/**
 * The client secret of a service account in the secret store, and the cached tokens minted
 * with it: kept after create, rotate and import; dropped after rotate, revoke and delete.
 * Storing never throws: the caller must print a one-time secret whatever happens here.
 */
import { join } from 'node:path';
import { configDir } from '../config/paths.js';
import type { ResolvedProfile } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import { type EunError, LocalStateError, isEunError } from '../errors.js';
import { LockTimeoutError, withLock } from '../fs/lock.js';
import { hashHex } from '../tokens/hash.js';
import { clearCachedTokens } from '../tokens/clear.js';
import { clientSecretAccount, secretService, type SecretRef } from '../secrets/types.js';

/** Where a profile keeps the secret of `clientId`. */
export function clientSecretRef(resolved: ResolvedProfile, clientId: string): SecretRef {
  return { service: secretService(resolved.name, resolved.profile.issuer), account: clientSecretAccount(clientId) };
}

/**
 * Runs `fn` (a rotation and the storing of its secret) holding a cross-process lock on the
 * secret of `clientId`: two rotations on this machine then store their secrets in the order
 * the server issued them. Without it the last to store could keep a secret the other's
 * rotation had already killed.
 */
export async function withClientSecretLock<T>(deps: Deps, resolved: ResolvedProfile, clientId: string, fn: () => Promise<T>): Promise<T> {
  const ref = clientSecretRef(resolved, clientId);
  const path = join(configDir(deps), 'locks', `secret-${hashHex(`${ref.service}\n${ref.account}`)}.lock`);
  try {
    return await withLock(path, fn, { timeoutMs: 60_000, staleMs: 120_000 });
  } catch (err) {
    if (err instanceof LockTimeoutError) {
      throw new LocalStateError(`the secret of ${clientId} is being changed by another eun process that does not finish`, {
        hint: `try again; if no eun is running, remove ${err.lockPath}`,
      });
    }
    throw err;
  }
}

/** The outcome of storing a secret. */
export type SecretKeeping = { stored: true; location: string } | { stored: false; error: EunError };

function asEunError(err: unknown, action: string): EunError {
  if (isEunError(err)) return err;
  return new LocalStateError(`could not ${action}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * Opens the secret store ahead of a create or rotate (loading it, probing the keychain), so
 * that the one-time secret is stored as soon as the server sends it: a process killed in
 * between loses it. Never throws: a store that cannot open fails again, and is reported, when
 * the secret is kept.
 */
export async function prepareSecretStore(deps: Deps): Promise<void> {
  try {
    const { openSecretStore } = await import('../secrets/open.js');
    await openSecretStore(deps);
  } catch {
    // Reported by keepClientSecret.
  }
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
