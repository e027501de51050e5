/**
 * Getting a new client-credentials token for a target (the part of a cache miss that talks
 * to the issuer): validate, read the secret, find the token endpoint, mint, cache.
 */
import { rm } from 'node:fs/promises';
import type { Deps } from '../deps.js';
import { AuthError, NotFoundError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { createHttpClient } from '../http/client.js';
import { type ClientAuthMethod, chooseAuthMethod, mintClientCredentialsToken } from '../oauth/client-credentials.js';
import { type IssuerMetadata, discoverIssuer } from '../oauth/discovery.js';
import type { CachedToken } from './cache.js';
import { type TokenTarget, loadTokenProfile } from './credentials.js';
import type { TokenOptions } from './get-token.js';
import { failureFile } from './mint.js';
import type { TokenResult } from './output.js';
import { clientSecretOf } from './secret.js';
import { validateTokenTarget } from './validate-target.js';

/** Mints a token for `target` and caches it in `file` (not at all when `file` is undefined). */
export async function requestToken(deps: Deps, target: TokenTarget, file: string | undefined, options: TokenOptions): Promise<TokenResult> {
  const key = target.key;
  validateTokenTarget(target);
  let clientSecret = await clientSecretOf(deps, target);
  const http = createHttpClient(deps);
  try {
    let metadata: IssuerMetadata | undefined;
    let tokenEndpoint: string;
    let authMethod: ClientAuthMethod = 'client_secret_post';
    if (key.tokenUrl !== undefined) {
      tokenEndpoint = key.tokenUrl;
    } else {
      metadata = await discoverIssuer(deps, http, key.issuer as string);
      tokenEndpoint = metadata.token_endpoint;
      authMethod = chooseAuthMethod(metadata);
    }
    const mint = (endpoint: string, method: ClientAuthMethod) =>
      mintClientCredentialsToken(http, {
        tokenEndpoint: endpoint,
        authMethod: method,
        clientId: key.clientId,
        clientSecret,
        scopes: key.scopes,
        resources: key.resources,
        ...(key.audience === undefined ? {} : { audience: key.audience }),
      });
    const requestedAt = deps.now();
    let minted;
    try {
      minted = await mint(tokenEndpoint, authMethod);
    } catch (err) {
      if (err instanceof AuthError && err.code === 'invalid_client' && !target.secretInEnv) {
        // `eun sa rotate` in another process may have stored a new secret since we read ours: read
        // again once, under the secret's lock, so that a rotation under way has stored its secret.
        const { withClientSecretLock } = await import('../accounts/secret.js');
        const profile = target.profile ?? (await loadTokenProfile(deps, target.profileFlag));
        const current = await withClientSecretLock(deps, profile, key.clientId, () => clientSecretOf(deps, { ...target, profile }));
        if (current === clientSecret) throw err;
        deps.debug(`the stored secret of ${key.clientId} changed meanwhile (a rotation): minting with the new one`);
        clientSecret = current;
        minted = await mint(tokenEndpoint, authMethod);
      } else {
        // A cached discovery document may point at an endpoint that moved: look again once.
        if (!(err instanceof NotFoundError) || !metadata) throw err;
        metadata = await discoverIssuer(deps, http, key.issuer as string, { refresh: true });
        minted = await mint(metadata.token_endpoint, chooseAuthMethod(metadata));
      }
    }
    deps.debug(`minted a token for ${key.clientId}${minted.expiresIn ? ` (expires in ${minted.expiresIn}s)` : ''}`);
    const scope = minted.scope ?? (key.scopes.length > 0 ? key.scopes.join(' ') : undefined);
    const result: TokenResult = { accessToken: minted.accessToken, tokenType: minted.tokenType, source: 'minted' };
    if (scope !== undefined) result.scope = scope;
    if (minted.expiresIn === undefined) {
      deps.debug('the issuer gave no expires_in: the token is not cached');
      return result;
    }
    // Count the lifetime from before the request: never later than the issuer's clock.
    result.issuedAt = requestedAt;
    result.expiresAt = requestedAt + minted.expiresIn * 1000;
    const entry: CachedToken = { version: 1, key, accessToken: minted.accessToken, tokenType: minted.tokenType, issuedAt: requestedAt, expiresAt: result.expiresAt };
    if (scope !== undefined) entry.scope = scope;
    if (file !== undefined) await cacheToken(deps, file, entry);
    if (options.minTtlMs !== undefined && minted.expiresIn * 1000 < options.minTtlMs) {
      deps.stderr.write(`eun: warning: the issuer's tokens live ${minted.expiresIn}s, less than --min-ttl\n`);
    }
    return result;
  } finally {
    await http.close();
  }
}

async function cacheToken(deps: Deps, file: string, entry: CachedToken): Promise<void> {
  try {
    await writeFileAtomic(file, JSON.stringify(entry));
    await rm(failureFile(file), { force: true });
  } catch (err) {
    deps.stderr.write(`eun: warning: could not cache the token: ${(err as Error).message}\n`);
  }
}
