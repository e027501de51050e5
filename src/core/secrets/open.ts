import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { configDir } from '../config/paths.js';
import { FileSecretStore } from './file-store.js';
import { KeychainChannel, KeychainFailure } from './keychain-channel.js';
import { DEFAULT_KEYCHAIN_TIMEOUT_MS, KeychainStore, WINDOWS_MAX_VALUE_BYTES, keychainError } from './keychain-store.js';
import { secretService, type SecretStore } from './types.js';

/** Options of `openSecretStore`, mostly for tests. */
export interface OpenSecretStoreOptions {
  /** Budget of each keychain operation (default: `EUN_KEYCHAIN_TIMEOUT_MS`, else 3 s). */
  timeoutMs?: number;
  /** Split keychain values above this many UTF-16 bytes (default: 2,560 on Windows, else never). */
  maxValueBytes?: number;
  /** The keychain worker script and the Node that runs it (default: beside this module, this Node). */
  workerPath?: string;
  nodePath?: string;
}

/** A store as chosen for this run, with the reason when the file store stands in for the keychain. */
export type ChosenSecretStore = SecretStore & {
  /** Why the keychain is not used, when it was wanted but unavailable. */
  readonly fallbackReason?: string;
};

/** The file of the file store: `secrets.json` in the config directory. */
export function secretsFile(deps: Pick<Deps, 'env' | 'homedir'>): string {
  return join(configDir(deps), 'secrets.json');
}

/** Where the OS keychain is, for people. */
function keychainLocation(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service (org.freedesktop.secrets)';
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}

/** The keychain store of `deps`, not yet probed. */
export function keychainStore(deps: Deps, options: OpenSecretStoreOptions = {}): KeychainStore {
  const timeoutMs = options.timeoutMs ?? positiveInt(deps.env.EUN_KEYCHAIN_TIMEOUT_MS) ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
  const maxValueBytes =
    options.maxValueBytes ??
    positiveInt(deps.env.EUN_KEYCHAIN_MAX_VALUE_BYTES) ??
    (deps.platform === 'win32' ? WINDOWS_MAX_VALUE_BYTES : undefined);
  const channel = new KeychainChannel({ env: deps.env, workerPath: options.workerPath, nodePath: options.nodePath });
  return new KeychainStore({
    channel,
    timeoutMs,
    maxValueBytes,
    lockPath: join(configDir(deps), 'keychain.lock'),
    location: keychainLocation(deps.platform),
  });
}

/** The file store of `deps`. */
export function fileStore(deps: Deps): FileSecretStore {
  return new FileSecretStore(secretsFile(deps), {
    platform: deps.platform,
    warn: (message) => deps.stderr.write(`eun: warning: ${message}\n`),
  });
}

/** Notices already given by this process (the marker file covers later processes). */
const noticesGiven = new Set<string>();

/**
 * Says once that the file store stands in for the keychain: once per process, and once per
 * situation across processes (a marker beside the store remembers the reason it told), so
 * that CI logs carry it once per machine rather than on every call. `--verbose` repeats it.
 */
async function noticeFallback(deps: Deps, store: FileSecretStore, reason: string): Promise<void> {
  const notice = `the OS keychain is unavailable (${reason}); secrets are kept in ${store.location} (mode 0600). Set EUN_SECRET_STORE=file to silence this.`;
  deps.debug(notice);
  const marker = `${store.location}.notice`;
  if (noticesGiven.has(notice)) return;
  noticesGiven.add(notice);
  let told: string | undefined;
  try {
    told = await readFile(marker, 'utf8');
  } catch {
    told = undefined;
  }
  if (told === `${notice}\n`) return;
  deps.stderr.write(`eun: warning: ${notice}\n`);
  try {
    await writeFileAtomic(marker, `${notice}\n`, 0o600);
  } catch {
    // Without a marker the notice merely comes again next time.
  }
}

/** Stores already opened, by the Deps of a run: one keychain worker and one probe per run. */
const opened = new WeakMap<Deps, Promise<ChosenSecretStore>>();

/**
 * Opens the secret store for this run. `EUN_SECRET_STORE=file|keychain` forces one (a forced
 * keychain that does not answer is an AuthError, never a silent fallback). Otherwise the
 * keychain is probed within its budget, and when it does not answer the file store takes
 * over, with a warning on stderr (see `noticeFallback`). Called again with the same `deps`
 * (and no options), it returns the same store.
 */
export function openSecretStore(deps: Deps, options: OpenSecretStoreOptions = {}): Promise<ChosenSecretStore> {
  const reuse = Object.keys(options).length === 0;
  const known = reuse ? opened.get(deps) : undefined;
  if (known) return known;
  const choosing = chooseSecretStore(deps, options);
  if (reuse) {
    opened.set(deps, choosing);
    choosing.catch(() => opened.delete(deps));
  }
  return choosing;
}

async function chooseSecretStore(deps: Deps, options: OpenSecretStoreOptions): Promise<ChosenSecretStore> {
  const forced = deps.env.EUN_SECRET_STORE?.trim().toLowerCase() || undefined;
  if (forced !== undefined && forced !== 'file' && forced !== 'keychain') {
    throw new UsageError(`EUN_SECRET_STORE must be keychain or file (it is ${JSON.stringify(deps.env.EUN_SECRET_STORE)})`);
  }
  if (forced === 'file') return fileStore(deps);
  const keychain = keychainStore(deps, options);
  const started = deps.now();
  try {
    await keychain.probe();
    deps.debug(`secret store: ${keychain.location} (answered in ${deps.now() - started} ms)`);
  } catch (err) {
    if (!(err instanceof KeychainFailure)) throw err;
    deps.debug(`keychain probe failed after ${deps.now() - started} ms: ${err.detail ?? err.reason}`);
    if (forced === 'keychain') {
      throw keychainError(err, 'the OS keychain is unavailable and EUN_SECRET_STORE=keychain rules out the file store');
    }
    const file = fileStore(deps);
    await noticeFallback(deps, file, err.reason);
    return Object.assign(file, { fallbackReason: err.reason });
  }
  // The keychain works (again): a later fallback deserves a fresh notice.
  await rm(`${secretsFile(deps)}.notice`, { force: true }).catch(() => {});
  return keychain;
}

/** Removes every secret of a profile (its session and client secrets) for `issuer`. */
export function removeProfileSecrets(store: SecretStore, profileName: string, issuer: string): Promise<number> {
  return store.clear(secretService(profileName, issuer));
}
