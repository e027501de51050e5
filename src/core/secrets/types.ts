/**
 * The secret store contract. Everything secret (user sessions, service-account client
 * secrets) passes through a SecretStore and nowhere else on disk.
 */

/** Which backend holds the secrets. */
export type SecretStoreKind = 'keychain' | 'file';

/** Names one secret: a service (one per profile and host) and an account within it. */
export interface SecretRef {
  service: string;
  account: string;
}

/** A place to keep secrets. Every call has a time budget and never hangs the CLI. */
export interface SecretStore {
  readonly kind: SecretStoreKind;
  /** Where, for people: e.g. "Secret Service (org.freedesktop.secrets)" or a file path. */
  readonly location: string;
  /** The secret, or `undefined` when none is stored. */
  get(ref: SecretRef): Promise<string | undefined>;
  /** Stores (or replaces) a secret. */
  set(ref: SecretRef, value: string): Promise<void>;
  /** Removes a secret; `false` when there was none. */
  delete(ref: SecretRef): Promise<boolean>;
  /** Removes every secret of `service` (e.g. when its profile is removed); how many went. */
  clear(service: string): Promise<number>;
}

/** The account name under which a profile's user session is kept. */
export const SESSION_ACCOUNT = 'session';

/** The account name under which a service account's client secret is kept. */
export function clientSecretAccount(clientId: string): string {
  return `client:${clientId}`;
}

/** The service name of a profile: one per profile and issuer host. */
export function secretService(profileName: string, issuer: string): string {
  return `eun:${profileName}@${new URL(issuer).host}`;
}
