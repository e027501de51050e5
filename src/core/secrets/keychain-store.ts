import { AuthError, LocalStateError } from '../errors.js';
import { DamagedEntryError, deleteChunked, isPieceAccount, readChunked, writeChunked, type EntryBackend } from './chunks.js';
import { KeychainChannel, KeychainFailure, type KeychainFailureKind } from './keychain-channel.js';
import { withStoreLock } from './store-lock.js';
import { SESSION_ACCOUNT, type SecretRef, type SecretStore } from './types.js';

/** Default time budget of one keychain operation (ms); `EUN_KEYCHAIN_TIMEOUT_MS` overrides it. */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 3000;

/** Windows Credential Manager holds at most 2,560 bytes (UTF-16) per credential. */
export const WINDOWS_MAX_VALUE_BYTES = 2560;

/** Options of a keychain store. */
export interface KeychainStoreOptions {
  channel: KeychainChannel;
  /** Budget of each operation, the worker's start included (ms). */
  timeoutMs: number;
  /** Split values longer than this many UTF-16 bytes over several entries (undefined: never). */
  maxValueBytes: number | undefined;
  /** Lock file that serialises this machine's writers of the keychain. */
  lockPath: string;
  /** Where, for people. */
  location: string;
}

const HINTS: Record<KeychainFailureKind, string> = {
  'no-bus': 'start a desktop session with a Secret Service (e.g. gnome-keyring), or set EUN_SECRET_STORE=file',
  'no-service': 'start a Secret Service (e.g. gnome-keyring-daemon), or set EUN_SECRET_STORE=file',
  locked: 'unlock the keyring (e.g. log in to the desktop session), or set EUN_SECRET_STORE=file',
  timeout: 'answer the keychain unlock prompt if there is one, or set EUN_SECRET_STORE=file',
  failed: 'run again with --verbose for details, or set EUN_SECRET_STORE=file',
};

/** The typed error for a keychain failure: `failed` says what could not be done. */
export function keychainError(failure: KeychainFailure, failed: string): AuthError {
  return new AuthError(`${failed}: ${failure.reason}`, {
    code: 'keychain_unavailable',
    hint: HINTS[failure.kind],
    cause: failure.detail === undefined ? failure : new Error(failure.detail),
  });
}

/** A secret, for people: "the session (eun:ci@auth.example.com)". */
function describe(ref: SecretRef): string {
  const client = /^client:(.*)$/.exec(ref.account);
  const what = ref.account === SESSION_ACCOUNT ? 'the session' : client ? `the client secret of ${client[1]}` : ref.account;
  return `${what} (${ref.service})`;
}

/** The OS keychain, every call made in a worker process under a time budget. */
export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly location: string;

  constructor(private readonly options: KeychainStoreOptions) {
    this.location = options.location;
  }

  get(ref: SecretRef): Promise<string | undefined> {
    return this.run(`read ${describe(ref)}`, (backend) => readChunked(backend, ref));
  }

  set(ref: SecretRef, value: string): Promise<void> {
    return this.locked(`store ${describe(ref)}`, (backend) => writeChunked(backend, ref, value, this.options.maxValueBytes));
  }

  delete(ref: SecretRef): Promise<boolean> {
    return this.locked(`remove ${describe(ref)}`, (backend) => deleteChunked(backend, ref));
  }

  clear(service: string): Promise<number> {
    return this.locked(`remove the secrets of ${service}`, async (backend, deadline) => {
      const { accounts = [] } = await this.options.channel.call({ op: 'list', service }, deadline, this.options.timeoutMs);
      let removed = 0;
      for (const account of new Set(accounts)) {
        if ((await backend.delete({ service, account })) && !isPieceAccount(account)) removed++;
      }
      return removed;
    });
  }

  /** Checks that the keychain answers, within the budget; throws the KeychainFailure if not. */
  async probe(): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    await this.options.channel.call({ op: 'get', service: 'eun:probe', account: 'probe' }, deadline, this.options.timeoutMs);
  }

  /** The worker's process id while it runs (for diagnostics and tests). */
  get workerPid(): number | undefined {
    return this.options.channel.workerPid;
  }

  /** Ends the worker process now (it also ends with this process). */
  close(): void {
    this.options.channel.close();
  }

  private backend(deadline: number): EntryBackend {
    const { channel, timeoutMs } = this.options;
    return {
      get: async ({ service, account }) => (await channel.call({ op: 'get', service, account }, deadline, timeoutMs)).value ?? undefined,
      set: async ({ service, account }, value) => void (await channel.call({ op: 'set', service, account, value }, deadline, timeoutMs)),
      delete: async ({ service, account }) => (await channel.call({ op: 'delete', service, account }, deadline, timeoutMs)).deleted === true,
    };
  }

  private async run<T>(what: string, fn: (backend: EntryBackend, deadline: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      return await fn(this.backend(deadline), deadline);
    } catch (err) {
      if (err instanceof KeychainFailure) throw keychainError(err, `cannot ${what} in the OS keychain`);
      if (err instanceof DamagedEntryError) {
        throw new LocalStateError(`cannot ${what}: the keychain entry is damaged (${err.message})`, {
          hint: 'store the secret again (eun login, eun sa import)',
        });
      }
      throw err;
    }
  }

  /** Like `run`, holding the writers' lock; the budget starts once the lock is held. */
  private locked<T>(what: string, fn: (backend: EntryBackend, deadline: number) => Promise<T>): Promise<T> {
    return withStoreLock(this.options.lockPath, what, () => this.run(what, fn), 4 * this.options.timeoutMs + 5000);
  }
}
