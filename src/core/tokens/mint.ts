/**
 * A cache miss of `eun token get`: single flight across processes. The first process takes
 * the key's lock, reads the cache again and only then mints; the others wait, watching the
 * cache file, and take the token (or the failure) it leaves. A lock left by a killed process
 * is broken (src/core/fs/lock.ts), and no one waits longer than a mint can take.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { validateClientId, validateServerUrl } from '../config/validate.js';
import type { Deps } from '../deps.js';
import { EunError, type ExitCode, NotFoundError, isEunError } from '../errors.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/atomic.js';
import { tryLock } from '../fs/lock.js';
import { createHttpClient, requestBudgetMs } from '../http/client.js';
import { type ClientAuthMethod, chooseAuthMethod, mintClientCredentialsToken } from '../oauth/client-credentials.js';
import { type IssuerMetadata, discoverIssuer } from '../oauth/discovery.js';
import { type CachedToken, isFresh, readCachedToken } from './cache.js';
import type { TokenTarget } from './credentials.js';
import type { TokenOptions } from './get-token.js';
import type { TokenResult } from './output.js';
import { clientSecretOf } from './secret.js';

/** A failed mint, left for the processes that waited on it (no secret in it: messages never hold one). */
interface FailureRecord {
  version: 1;
  at: number;
  code: string;
  exitCode: ExitCode;
  message: string;
  hint?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function fromCache(entry: CachedToken, source: TokenResult['source']): TokenResult {
  const result: TokenResult = { accessToken: entry.accessToken, tokenType: entry.tokenType, expiresAt: entry.expiresAt, source };
  if (entry.scope !== undefined) result.scope = entry.scope;
  return result;
}

function failureFile(file: string): string {
  return file.replace(/\.json$/, '.error');
}

function readFailure(file: string, since: number): EunError | undefined {
  try {
    const record = JSON.parse(readFileSync(failureFile(file), 'utf8')) as FailureRecord;
    if (record.version !== 1 || !(record.at >= since)) return undefined;
    return new EunError(record.code, record.exitCode, record.message, record.hint === undefined ? {} : { hint: record.hint });
  } catch {
    return undefined;
  }
}

async function recordFailure(deps: Deps, file: string, err: unknown): Promise<void> {
  if (!isEunError(err)) return;
  const record: FailureRecord = { version: 1, at: deps.now(), code: err.code, exitCode: err.exitCode, message: err.message };
  if (err.hint !== undefined) record.hint = err.hint;
  try {
    await writeFileAtomic(failureFile(file), JSON.stringify(record));
  } catch {
    /* the waiters will mint themselves */
  }
}

/** Mints under the key's lock, or waits for the process that holds it. */
export async function mintOrWait(deps: Deps, target: TokenTarget, file: string, options: TokenOptions & { startedAt: number }): Promise<TokenResult> {
  const budget = requestBudgetMs(deps);
  // A live holder needs at most discovery + token request (+ a keychain read): break it only beyond that.
  const staleMs = 2 * budget + 15_000;
  const waitUntil = options.startedAt + staleMs + 5_000;
  const usable = (entry: CachedToken): boolean => {
    const mintedSinceStart = entry.issuedAt >= options.startedAt;
    if (options.forceRefresh && !mintedSinceStart) return false;
    // A token minted after we started is the freshest the issuer gives, even if short of --min-ttl.
    return isFresh(entry, deps.now(), options.minTtlMs) || (mintedSinceStart && isFresh(entry, deps.now()));
  };
  await ensurePrivateDir(dirname(file));
  for (;;) {
    const held = await tryLock(`${file}.lock`, { staleMs });
    if (held) {
      try {
        // Re-read after taking the lock: another process may have minted meanwhile.
        const again = readCachedToken(file, target.key);
        if (again && usable(again)) return fromCache(again, 'cache');
        const failed = readFailure(file, options.startedAt);
        if (failed) throw failed;
        try {
          return await mintNow(deps, target, file, options);
        } catch (err) {
          await recordFailure(deps, file, err);
          throw err;
        }
      } finally {
        await held.release();
      }
    }
    const again = readCachedToken(file, target.key);
    if (again && usable(again)) return fromCache(again, 'cache');
    const failed = readFailure(file, options.startedAt);
    if (failed) throw failed;
    if (deps.now() >= waitUntil) {
      deps.debug('gave up waiting for the token lock; minting without it');
      return mintNow(deps, target, file, options);
    }
    await sleep(10 + Math.floor(Math.random() * 20));
  }
}

/** Validates the target, gets the secret, finds the endpoint, mints and caches. */
async function mintNow(deps: Deps, target: TokenTarget, file: string, options: TokenOptions): Promise<TokenResult> {
  const key = target.key;
  validateClientId(key.clientId, 'client id');
  if (key.tokenUrl !== undefined) validateServerUrl(key.tokenUrl, 'token URL');
  else validateServerUrl(key.issuer as string, 'issuer URL');
  const clientSecret = await clientSecretOf(deps, target);
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
      // A cached discovery document may point at an endpoint that moved: look again once.
      if (!(err instanceof NotFoundError) || !metadata) throw err;
      metadata = await discoverIssuer(deps, http, key.issuer as string, { refresh: true });
      minted = await mint(metadata.token_endpoint, chooseAuthMethod(metadata));
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
    result.expiresAt = requestedAt + minted.expiresIn * 1000;
    const entry: CachedToken = { version: 1, key, accessToken: minted.accessToken, tokenType: minted.tokenType, issuedAt: requestedAt, expiresAt: result.expiresAt };
    if (scope !== undefined) entry.scope = scope;
    try {
      await writeFileAtomic(file, JSON.stringify(entry));
      await rm(failureFile(file), { force: true });
    } catch (err) {
      deps.stderr.write(`eun: warning: could not cache the token: ${(err as Error).message}\n`);
    }
    if (options.minTtlMs !== undefined && minted.expiresIn * 1000 < options.minTtlMs) {
      deps.stderr.write(`eun: warning: the issuer's tokens live ${minted.expiresIn}s, less than --min-ttl\n`);
    }
    return result;
  } finally {
    await http.close();
  }
}
