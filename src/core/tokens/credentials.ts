/**
 * Which client-credentials token `eun token get` is after, and where its secret comes from:
 * flags, then `EUN_*` variables, then the profile's default service account. With the
 * variables set, nothing else is read: no config file, no keychain (the CI path).
 */
import { configFile } from '../config/paths.js';
import type { ConfigFile, Profile, ResolvedProfile } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { type TokenKey, normalizeUrl, sortedWords } from './key.js';

/** The options of `eun token get` that say which token. */
export interface TokenSelection {
  clientId?: string;
  /** Scopes, repeated and/or space separated. */
  scopes?: string[];
  audience?: string;
  resources?: string[];
  issuer?: string;
  tokenUrl?: string;
  /** `--profile`. */
  profile?: string;
}

/** A resolved token request: the cache key and how to get the client secret if a mint is needed. */
export interface TokenTarget {
  key: TokenKey;
  /** The secret is in `EUN_CLIENT_SECRET` (the client id came from a flag or `EUN_CLIENT_ID`). */
  secretInEnv: boolean;
  /** The profile, when it had to be read already. */
  profile?: ResolvedProfile;
  /** `--profile`, to find the profile later (for the stored secret). */
  profileFlag?: string;
  /** Where the client id and scopes came from, for messages: `--client-id`, `EUN_CLIENT_ID`, … */
  sources: { clientId: string; scope: string };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

const { readFileSync } = process.getBuiltinModule('node:fs');

/**
 * The profile straight from the config file, for a cache hit: config/profiles.js would load
 * the file-locking code (and node:crypto) that a hit never needs. Anything unusual (no file,
 * no such profile, a malformed entry) is left to the full loader and its errors.
 */
function readProfileQuickly(deps: Deps, flag: string | undefined): ResolvedProfile | undefined {
  try {
    const config = JSON.parse(readFileSync(configFile(deps), 'utf8')) as ConfigFile;
    // As activeProfileName() in config/profiles.ts.
    const name = flag || deps.env.EUN_PROFILE || config.activeProfile || 'default';
    const profile = config.profiles?.[name] as Profile | undefined;
    if (typeof profile?.issuer === 'string' && typeof profile.flavor === 'string') return { name, profile };
  } catch {
    /* the full loader reports it */
  }
  return undefined;
}

/** Loads the profile `eun token get` runs against (`--profile`, `EUN_PROFILE`, active). */
export async function loadTokenProfile(deps: Deps, flag: string | undefined): Promise<ResolvedProfile> {
  const quick = readProfileQuickly(deps, flag);
  if (quick) return quick;
  // Loaded only when needed: the CI path never reads the config.
  const { activeProfileName, getProfile, loadConfig } = await import('../config/profiles.js');
  const config = await loadConfig(deps);
  return getProfile(config, activeProfileName(config, flag, deps.env));
}

/** Resolves flags → environment → profile into a token target. */
export async function resolveTokenTarget(deps: Deps, selection: TokenSelection): Promise<TokenTarget> {
  const env = deps.env;
  const endpointFlag = selection.issuer !== undefined || selection.tokenUrl !== undefined;
  let issuer = endpointFlag ? nonEmpty(selection.issuer) : nonEmpty(env.EUN_ISSUER);
  const tokenUrl = endpointFlag ? nonEmpty(selection.tokenUrl) : nonEmpty(env.EUN_TOKEN_URL);
  let clientId = nonEmpty(selection.clientId) ?? nonEmpty(env.EUN_CLIENT_ID);
  const clientIdGiven = clientId !== undefined;
  let scopes = selection.scopes?.length ? selection.scopes : nonEmpty(env.EUN_SCOPE) ? [env.EUN_SCOPE as string] : undefined;
  const audience = nonEmpty(selection.audience) ?? nonEmpty(env.EUN_AUDIENCE);
  const resources = selection.resources?.length ? selection.resources : nonEmpty(env.EUN_RESOURCE) ? [env.EUN_RESOURCE as string] : [];

  let profile: ResolvedProfile | undefined;
  if (clientId === undefined || (issuer === undefined && tokenUrl === undefined)) {
    profile = await loadTokenProfile(deps, selection.profile);
    if (clientId === undefined) {
      const account = profile.profile.defaultAccount;
      if (!account) {
        throw new UsageError(`no client id: profile ${JSON.stringify(profile.name)} has no default service account`, {
          hint: 'pass --client-id or set EUN_CLIENT_ID (with EUN_CLIENT_SECRET), or make one the default with eun sa create --default',
        });
      }
      clientId = account.clientId;
      if (scopes === undefined && account.scope) scopes = [account.scope];
    }
    if (issuer === undefined && tokenUrl === undefined) issuer = profile.profile.issuer;
  }

  const key: TokenKey = { clientId, scopes: sortedWords(scopes), resources: sortedWords(resources), auth: 'client_secret' };
  // A token URL names the endpoint more precisely than an issuer: it wins when both are set.
  if (tokenUrl !== undefined) key.tokenUrl = normalizeUrl(tokenUrl);
  else key.issuer = normalizeUrl(issuer as string);
  if (audience !== undefined) key.audience = audience;
  // Validated before a mint (validate-target.ts), not here: a cache hit never reaches the issuer.
  const sources = {
    clientId: nonEmpty(selection.clientId) ? '--client-id' : clientIdGiven ? 'EUN_CLIENT_ID' : 'client id',
    scope: selection.scopes?.length ? '--scope' : 'scope',
  };
  const target: TokenTarget = { key, secretInEnv: clientIdGiven && nonEmpty(env.EUN_CLIENT_SECRET) !== undefined, sources };
  if (profile) target.profile = profile;
  if (selection.profile !== undefined) target.profileFlag = selection.profile;
  return target;
}
