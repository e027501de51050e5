/**
 * The environment `eun token exec` gives its command: the token and its expiry, without the
 * means to mint more, and a marker that lets a nested `eun token exec` for the same token
 * reuse it instead of minting again.
 */
import type { Deps } from '../deps.js';
import type { TokenTarget } from './credentials.js';
import { hashHex } from './hash.js';
import { canonicalKey } from './key.js';
import type { TokenResult } from './output.js';

/** The marker variable: set by `eun token exec` in its command's environment. */
export const EXEC_MARKER = 'EUN_TOKEN_EXEC';

/** What the marker says (JSON): whose token, for which cache key, in which variable. */
export interface ExecMarker {
  clientId: string;
  /** A hash of the cache key (client, issuer, scopes, audience, resources, auth). */
  key: string;
  /** The variable that holds the token (`--env`). */
  env: string;
}

/** Variables of ours the command never gets: the client secret and the user token that manages accounts. */
const WITHHELD = ['EUN_CLIENT_SECRET', 'EUN_TOKEN'];

/** The marker of `target`, with the token in `envName`. */
export function execMarker(target: TokenTarget, envName: string): ExecMarker {
  return { clientId: target.key.clientId, key: hashHex(canonicalKey(target.key)), env: envName };
}

/** Reads the marker of an enclosing `eun token exec`, if any. */
export function enclosingExec(env: Deps['env']): ExecMarker | undefined {
  const raw = env[EXEC_MARKER];
  if (!raw) return undefined;
  try {
    const marker = JSON.parse(raw) as ExecMarker;
    if (typeof marker?.clientId === 'string' && typeof marker.key === 'string' && typeof marker.env === 'string') return marker;
  } catch {
    /* not ours */
  }
  return undefined;
}

/**
 * The token of an enclosing `eun token exec` for the same cache key, when it is still good
 * for `minTtlMs` (and at least a minute): the nested call uses it instead of minting.
 */
export function tokenOfEnclosingExec(deps: Deps, target: TokenTarget, minTtlMs = 0): TokenResult | undefined {
  const outer = enclosingExec(deps.env);
  if (!outer || outer.key !== execMarker(target, outer.env).key) return undefined;
  const accessToken = deps.env[outer.env];
  if (!accessToken) return undefined;
  const expiresRaw = deps.env[`${outer.env}_EXPIRES_AT`];
  const result: TokenResult = { accessToken, tokenType: 'Bearer', source: 'cache' };
  if (expiresRaw) {
    const expiresAt = Date.parse(expiresRaw);
    if (!Number.isFinite(expiresAt) || expiresAt - deps.now() < Math.max(60_000, minTtlMs)) return undefined;
    result.expiresAt = expiresAt;
  }
  return result;
}

/**
 * The command's environment: ours, without the withheld variables and without stale token
 * variables of an enclosing exec under the same name, plus the token, its expiry (ISO-8601
 * UTC), the token file of `--keep-fresh` and the marker.
 */
export function execEnvironment(
  base: Deps['env'],
  target: TokenTarget,
  envName: string,
  token: TokenResult,
  tokenFile: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined && !WITHHELD.includes(name)) env[name] = value;
  env[envName] = token.accessToken;
  if (token.expiresAt !== undefined) env[`${envName}_EXPIRES_AT`] = new Date(token.expiresAt).toISOString();
  else delete env[`${envName}_EXPIRES_AT`];
  if (tokenFile !== undefined) env[`${envName}_FILE`] = tokenFile;
  else delete env[`${envName}_FILE`];
  env[EXEC_MARKER] = JSON.stringify(execMarker(target, envName));
  return env;
}
