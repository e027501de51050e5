import { open } from 'node:fs/promises';
import { LocalStateError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { withStoreLock } from './store-lock.js';
import type { SecretRef, SecretStore } from './types.js';

/** The file's content: secrets by service, then by account. */
interface SecretsDocument {
  version: 1;
  secrets: Record<string, Record<string, string>>;
}

/** Options of a file store. */
export interface FileSecretStoreOptions {
  /** Told (once per store) when the file is readable by other users. */
  warn?: (message: string) => void;
  /** Give up waiting for another process's lock after this long (ms). */
  lockTimeoutMs?: number;
  /** As `process.platform`: file modes mean nothing on Windows. */
  platform?: NodeJS.Platform;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/**
 * Secrets in one JSON file (mode 0600, in a 0700 directory), the fallback when there is no
 * OS keychain. Writers take a cross-process lock, re-read, change one entry and replace the
 * file atomically, so concurrent `eun` processes never lose each other's entries. A damaged
 * file is reported and left as it is, never overwritten.
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly location: string;
  private warned = false;

  constructor(
    readonly path: string,
    private readonly options: FileSecretStoreOptions = {},
  ) {
    this.location = path;
  }

  async get(ref: SecretRef): Promise<string | undefined> {
    const document = await this.read();
    return document.secrets[ref.service]?.[ref.account];
  }

  async set(ref: SecretRef, value: string): Promise<void> {
    await this.update((document) => {
      (document.secrets[ref.service] ??= {})[ref.account] = value;
      return true;
    });
  }

  async delete(ref: SecretRef): Promise<boolean> {
    let found = false;
    await this.update((document) => {
      const accounts = document.secrets[ref.service];
      found = accounts !== undefined && Object.hasOwn(accounts, ref.account);
      if (!found || !accounts) return false;
      delete accounts[ref.account];
      if (Object.keys(accounts).length === 0) delete document.secrets[ref.service];
      return true;
    });
    return found;
  }

  async clear(service: string): Promise<number> {
    let removed = 0;
    await this.update((document) => {
      removed = Object.keys(document.secrets[service] ?? {}).length;
      delete document.secrets[service];
      return removed > 0;
    });
    return removed;
  }

  private damaged(why: string): LocalStateError {
    return new LocalStateError(`the secret store ${this.path} is damaged (${why})`, {
      hint: `move it aside (mv ${this.path} ${this.path}.bad) and store the secrets again (eun login, eun sa import)`,
    });
  }

  /** Reads and checks the file; a missing file is an empty store. */
  private async read(): Promise<SecretsDocument> {
    let text: string;
    try {
      const handle = await open(this.path, 'r');
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
        if ((info.mode & 0o077) !== 0 && this.options.platform !== 'win32' && !this.warned) {
          this.warned = true;
          this.options.warn?.(`${this.path} can be read by other users; run: chmod 600 ${this.path}`);
        }
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { version: 1, secrets: {} };
      throw new LocalStateError(`cannot read the secret store ${this.path} (${code ?? (err as Error).message})`, {
        hint: `check that ${this.path} is a file you own and can read`,
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.damaged('not valid JSON');
    }
    const document = parsed as Partial<SecretsDocument> | null;
    if (typeof document === 'object' && document !== null && typeof document.version === 'number' && document.version > 1) {
      throw new LocalStateError(`the secret store ${this.path} was written by a newer eun (format ${document.version})`, {
        hint: 'upgrade eun',
      });
    }
    if (typeof document !== 'object' || document === null || document.version !== 1) throw this.damaged('unknown format');
    const secrets = document.secrets;
    if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets) || !Object.values(secrets).every(isStringRecord)) {
      throw this.damaged('unknown format');
    }
    return { version: 1, secrets };
  }

  /** Re-reads under the lock, applies `change`, and writes when it says something changed. */
  private async update(change: (document: SecretsDocument) => boolean): Promise<void> {
    await withStoreLock(
      `${this.path}.lock`,
      `change the secret store ${this.path}`,
      async () => {
        const document = await this.read();
        if (!change(document)) return;
        try {
          await writeFileAtomic(this.path, `${JSON.stringify(document, null, 2)}\n`, 0o600);
        } catch (err) {
          throw new LocalStateError(`cannot write the secret store ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
            hint: `check that the directory of ${this.path} is yours and writable`,
            cause: err,
          });
        }
      },
      this.options.lockTimeoutMs ?? 15_000,
    );
  }
}
