import { LocalStateError, NotFoundError } from '../errors.js';
import { readFileIfExists, writeFileAtomic } from '../fs/atomic.js';
import { LockTimeoutError, withLock } from '../fs/lock.js';
import { type PathEnv, configFile } from './paths.js';
import { type Flavor, validateProfileName } from './validate.js';

/** The service account `eun token get` uses when no client id is given. */
export interface DefaultAccount {
  clientId: string;
  /** Server-side id and name, for messages. */
  id?: string;
  name?: string;
  /** Scopes to request, space separated. */
  scope?: string;
}

/** A server profile: which flavor, where its issuer and API live. */
export interface Profile {
  flavor: Flavor;
  /** OIDC issuer (eunifyer: `{auth}/realms/eunify`; centrali: `{auth}`). */
  issuer: string;
  /** Management API base (eunifyer: `{api}`; centrali: defaults to the issuer). */
  api?: string;
  /** Workspace slug (centrali). */
  workspace?: string;
  /** Public client used by `eun login` (default `eun-cli`). */
  loginClientId?: string;
  /** The default service account for `eun token get`. */
  defaultAccount?: DefaultAccount;
}

/** The config file: every profile and which one is active. */
export interface ConfigFile {
  version: 1;
  activeProfile?: string;
  profiles: Record<string, Profile>;
}

/** Name of the built-in profile. */
export const DEFAULT_PROFILE_NAME = 'default';

/** The built-in profile: EUnifyer production. */
export const BUILTIN_DEFAULT_PROFILE: Readonly<Profile> = Object.freeze({
  flavor: 'eunifyer',
  issuer: 'https://auth.eunifyer.com/realms/eunify',
  api: 'https://api.eunifyer.com',
});

/** Default public client id for user login. */
export const DEFAULT_LOGIN_CLIENT_ID = 'eun-cli';

function emptyConfig(): ConfigFile {
  return { version: 1, profiles: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the config file's text; throws a LocalStateError naming the file when it is corrupt. */
export function parseConfig(text: string, file: string): ConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw corrupt(file, 'it is not valid JSON');
  }
  if (!isRecord(data) || !isRecord(data.profiles)) throw corrupt(file, 'it has no "profiles" object');
  for (const [name, profile] of Object.entries(data.profiles)) {
    if (!isRecord(profile) || typeof profile.flavor !== 'string' || typeof profile.issuer !== 'string') {
      throw corrupt(file, `profile ${JSON.stringify(name)} has no flavor or issuer`);
    }
  }
  const config = data as unknown as ConfigFile;
  config.version = 1;
  return config;
}

function corrupt(file: string, why: string): LocalStateError {
  return new LocalStateError(`the config file ${file} is unreadable: ${why}`, {
    hint: 'fix it by hand, or move it away to start over (eun will not overwrite it)',
  });
}

/** Reads the config file; a missing file is an empty config. */
export async function loadConfig(paths: PathEnv): Promise<ConfigFile> {
  const file = configFile(paths);
  let text: string | undefined;
  try {
    text = await readFileIfExists(file);
  } catch (err) {
    throw new LocalStateError(`cannot read the config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return text === undefined ? emptyConfig() : parseConfig(text, file);
}

/**
 * Changes the config under a cross-process lock: read, apply `change`, write atomically.
 * A corrupt file is never overwritten. Returns what `change` returned.
 */
export async function updateConfig<T>(paths: PathEnv, change: (config: ConfigFile) => T | Promise<T>): Promise<T> {
  const file = configFile(paths);
  try {
    return await withLock(`${file}.lock`, async () => {
      const config = await loadConfig(paths);
      const result = await change(config);
      await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
      return result;
    });
  } catch (err) {
    if (err instanceof LockTimeoutError) {
      throw new LocalStateError(`the config file ${file} is locked by another eun process`, {
        hint: `try again; if no eun is running, remove ${file}.lock`,
      });
    }
    throw err;
  }
}

/** Every profile, the built-in default included unless the file overrides it. */
export function allProfiles(config: ConfigFile): Record<string, Profile> {
  return { [DEFAULT_PROFILE_NAME]: { ...BUILTIN_DEFAULT_PROFILE }, ...config.profiles };
}

/** Which profile is active: `--profile`, else `EUN_PROFILE`, else the config's, else `default`. */
export function activeProfileName(
  config: ConfigFile,
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  // A name that can never be a profile is a usage error (2), not "not found" (3).
  if (flag) return validateProfileName(flag, '--profile');
  if (env.EUN_PROFILE) return validateProfileName(env.EUN_PROFILE, 'EUN_PROFILE');
  return config.activeProfile || DEFAULT_PROFILE_NAME;
}

/** A resolved profile: its name and settings. */
export interface ResolvedProfile {
  name: string;
  profile: Profile;
}

/** Looks up a profile by name; an unknown one is exit 3. */
export function getProfile(config: ConfigFile, name: string): ResolvedProfile {
  const profile = allProfiles(config)[name];
  if (!profile) {
    throw new NotFoundError(`profile ${JSON.stringify(name)} not found`, {
      hint: 'see eun profile list, or add it with eun profile add',
    });
  }
  return { name, profile };
}

/** The management API base of a profile (centrali's lives on the issuer's host). */
export function apiBase(profile: Profile): string {
  return profile.api ?? profile.issuer;
}

/** The public client id `eun login` uses for a profile. */
export function loginClientId(profile: Profile): string {
  return profile.loginClientId ?? DEFAULT_LOGIN_CLIENT_ID;
}
