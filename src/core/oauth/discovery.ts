/**
 * OIDC discovery (`{issuer}/.well-known/openid-configuration`), cached on disk beside the
 * token cache for an hour, so that a cold `eun token get` usually makes one request, not two.
 */
import { join } from 'node:path';
import { cacheDir } from '../config/paths.js';
import type { Deps } from '../deps.js';
import { NetworkError, NotFoundError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { HttpClient } from '../http/client.js';
import { hashHex } from '../tokens/hash.js';
import { readFileSync } from 'node:fs';

/** The parts of an issuer's metadata eun uses (RFC 8414 / OIDC Discovery names). */
export interface IssuerMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri?: string;
  token_endpoint_auth_methods_supported?: string[];
  authorization_endpoint?: string;
  device_authorization_endpoint?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  [name: string]: unknown;
}

interface CachedMetadata {
  version: 1;
  issuer: string;
  fetchedAt: number;
  metadata: IssuerMetadata;
}

/** How long a discovery document is reused. */
export const DISCOVERY_TTL_MS = 60 * 60 * 1000;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The cache file of an issuer's discovery document. */
export function discoveryCacheFile(deps: Pick<Deps, 'env' | 'homedir'>, issuer: string): string {
  return join(cacheDir(deps), 'discovery', `${hashHex(trimSlash(issuer))}.json`);
}

function readCached(file: string, issuer: string, now: number): IssuerMetadata | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as CachedMetadata;
    if (entry.version !== 1 || entry.issuer !== issuer || typeof entry.metadata?.token_endpoint !== 'string') return undefined;
    if (!(now - entry.fetchedAt < DISCOVERY_TTL_MS && now >= entry.fetchedAt)) return undefined;
    return entry.metadata;
  } catch {
    return undefined; // missing or corrupt: fetch again
  }
}

/** Options of `discoverIssuer`. */
export interface DiscoveryOptions {
  /** Ignore the cached document (e.g. its endpoint just answered 404). */
  refresh?: boolean;
}

/**
 * The metadata of `issuer`, from the disk cache when fresh, else fetched and cached. The
 * document must name the same issuer (OIDC Discovery §4.3), else it is refused.
 */
export async function discoverIssuer(deps: Deps, http: HttpClient, issuer: string, options: DiscoveryOptions = {}): Promise<IssuerMetadata> {
  const wanted = trimSlash(issuer);
  const file = discoveryCacheFile(deps, wanted);
  if (!options.refresh) {
    const cached = readCached(file, wanted, deps.now());
    if (cached) return cached;
  }
  const url = `${wanted}/.well-known/openid-configuration`;
  const res = await http.request({ url, what: 'OIDC discovery', maxBytes: 512 * 1024 });
  if (res.status === 404) {
    throw new NotFoundError(`no OpenID configuration at ${url} (HTTP 404)`, {
      hint: 'check the issuer URL, or give the token endpoint itself with --token-url or EUN_TOKEN_URL',
    });
  }
  if (res.status !== 200) {
    throw new NetworkError(`OIDC discovery at ${new URL(url).host} failed: HTTP ${res.status}`, { code: 'discovery' });
  }
  const metadata = res.json<IssuerMetadata>();
  if (typeof metadata !== 'object' || metadata === null || typeof metadata.token_endpoint !== 'string') {
    throw new NetworkError(`the OpenID configuration at ${url} has no token_endpoint`, { code: 'discovery' });
  }
  if (typeof metadata.issuer !== 'string' || trimSlash(metadata.issuer) !== wanted) {
    throw new NetworkError(
      `the OpenID configuration at ${url} names another issuer (${JSON.stringify(String(metadata.issuer).slice(0, 100))})`,
      { code: 'issuer_mismatch', hint: 'the issuer URL must match the server\'s exactly (scheme, host, port and path)' },
    );
  }
  const entry: CachedMetadata = { version: 1, issuer: wanted, fetchedAt: deps.now(), metadata };
  try {
    await writeFileAtomic(file, JSON.stringify(entry));
  } catch (err) {
    deps.debug(`could not cache the discovery document: ${(err as Error).message}`);
  }
  return metadata;
}
