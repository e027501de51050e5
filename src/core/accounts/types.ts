/**
 * The service-account model as commands see it, whatever the server flavor: one shape for
 * accounts, one for personal access tokens, and the `ServiceAccountApi` each flavor adapts.
 */

/** A service account (centrali) or service principal (eunifyer), normalized. */
export interface ServiceAccount {
  /** Server-side id, always as a string (centrali's are numbers on the wire). */
  id: string;
  clientId: string;
  name: string;
  description?: string;
  /** `active`, `revoked`, or whatever else the server says. */
  status: string;
  scopes: string[];
  /** Centrali workspace or eunifyer org, when the server says. */
  workspace?: string;
  /** ISO-8601 UTC. */
  createdAt?: string;
  updatedAt?: string;
}

/** An account with its one-time client secret (create, rotate). */
export interface ServiceAccountWithSecret extends ServiceAccount {
  clientSecret: string;
}

/** What `create` sends. */
export interface NewServiceAccount {
  name: string;
  description?: string;
  /** Scopes to grant; empty or absent means the server's default. */
  scopes?: string[];
}

/** What `update` changes (at least one field). */
export interface ServiceAccountChanges {
  name?: string;
  description?: string;
  scopes?: string[];
}

/** One page of a listing. */
export interface ServiceAccountPage {
  accounts: ServiceAccount[];
  page: number;
  limit: number;
  /** Every account on the server, when it says. */
  total?: number;
  /** The server returned everything at once (a bare array, or no paging metadata). */
  complete: boolean;
}

/** A personal access token of a service principal (eunifyer), without the token. */
export interface PersonalAccessToken {
  id: string;
  name: string;
  scopes: string[];
  createdAt?: string;
  expiresAt?: string;
}

/** A new personal access token with its one-time value. */
export interface PersonalAccessTokenWithValue extends PersonalAccessToken {
  token: string;
}

/**
 * The management API of one profile. Commands speak only this; `eunifyer.ts` and
 * `centrali.ts` turn it into each flavor's requests and tolerate its payload variants.
 */
export interface ServiceAccountApi {
  /** What the accounts are called in messages: "service account" or "service principal". */
  readonly noun: string;
  /** Where the accounts live, for messages: "workspace acme-corp", "https://api.example". */
  readonly where: string;
  list(page: { page?: number; limit?: number }): Promise<ServiceAccountPage>;
  get(id: string): Promise<ServiceAccount>;
  create(account: NewServiceAccount): Promise<ServiceAccountWithSecret>;
  update(id: string, changes: ServiceAccountChanges): Promise<ServiceAccount>;
  rotate(id: string): Promise<ServiceAccountWithSecret>;
  revoke(id: string): Promise<ServiceAccount>;
  delete(id: string): Promise<void>;
  /** True when `ref` has the shape of this flavor's ids (so a direct GET is worth trying). */
  looksLikeId(ref: string): boolean;
  /** Scopes to offer when creating an account interactively; `undefined` when the flavor takes none. */
  scopeChoices(): Promise<string[] | undefined>;
  /** Personal access tokens; a UsageError where the flavor has none. */
  listTokens(accountId: string): Promise<PersonalAccessToken[]>;
  createToken(accountId: string, token: { name: string; scopes?: string[] }): Promise<PersonalAccessTokenWithValue>;
  deleteToken(accountId: string, tokenId: string): Promise<void>;
}
