/**
 * The cache key of a client-credentials token: everything that changes which token the
 * issuer hands out, and nothing secret.
 */
import { join } from 'node:path';
import { cacheDir, type PathEnv } from '../config/paths.js';
import { hashHex } from './hash.js';

/** What a token is for. Exactly one of `issuer` and `tokenUrl` is set. */
export interface TokenKey {
  /** OIDC issuer (the token endpoint comes from discovery). */
  issuer?: string;
  /** Token endpoint given directly (`--token-url`, `EUN_TOKEN_URL`). */
  tokenUrl?: string;
  clientId: string;
  /** Sorted, without duplicates. */
  scopes: string[];
  audience?: string;
  /** RFC 8707 resource indicators, sorted, without duplicates. */
  resources: string[];
  /** How the client proves itself; only client secrets so far. */
  auth: 'client_secret';
}

/** A URL as a cache key part: without trailing slashes (left as typed when it does not parse). */
export function normalizeUrl(value: string): string {
  try {
    return new URL(value).href.replace(/\/+$/, '');
  } catch {
    return value;
  }
}

/** Splits space-separated (and repeated) values into a sorted list without duplicates. */
export function sortedWords(values: readonly string[] | undefined): string[] {
  const words = new Set<string>();
  for (const value of values ?? []) for (const word of value.split(/\s+/)) if (word !== '') words.add(word);
  return [...words].sort();
}

/** The key as one stable string. */
export function canonicalKey(key: TokenKey): string {
  return JSON.stringify([key.issuer ?? null, key.tokenUrl ?? null, key.clientId, key.scopes, key.audience ?? null, key.resources, key.auth]);
}

/** The directory of cached tokens (and discovery documents' sibling). */
export function tokensDir(paths: PathEnv): string {
  return join(cacheDir(paths), 'tokens');
}

/** The file-name prefix shared by every cached token of one client. */
export function clientPrefix(clientId: string): string {
  return `${hashHex(clientId).slice(0, 16)}-`;
}

/** The cache file of a key: a hash of the client id, then a hash of the whole key. */
export function tokenCacheFile(paths: PathEnv, key: TokenKey): string {
  return join(tokensDir(paths), `${clientPrefix(key.clientId)}${hashHex(canonicalKey(key))}.json`);
}
