import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { readJsonFile, writePrivateFile } from './persist.js';

/** The two server flavors of API.md. */
export type Flavor = 'eunifyer' | 'centrali';

/** A personal access token of a service principal (eunifyer); only its hash is kept. */
export interface PatRecord {
  id: string;
  name: string;
  scopes: string[];
  tokenHash: string;
  createdAt: string;
  expiresAt: string | null;
}

/** A service account as the emulator stores it (never with its plaintext secret). */
export interface AccountRecord {
  flavor: Flavor;
  id: string | number;
  clientId: string;
  secretHash: string;
  /** Bumped by every rotation; tokens carry it so resource endpoints can reject older ones. */
  secretVersion: number;
  name: string;
  description: string;
  workspace: string;
  grantTypes: string[];
  scopes: string[];
  groups: string[];
  status: 'active' | 'revoked';
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  pats: PatRecord[];
}

interface StoreFile {
  version: 1;
  nextId: number;
  accounts: AccountRecord[];
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A client id in the seed's shape: `ci_` + 20 characters. */
export function newClientId(): string {
  let id = 'ci_';
  for (let i = 0; i < 20; i++) id += ALNUM[randomInt(ALNUM.length)];
  return id;
}

/** A client secret in the seed's shape: `sk_` + 64 hex. */
export function newClientSecret(): string {
  return `sk_${randomBytes(32).toString('hex')}`;
}

/** A personal access token: `pat_` + 64 hex. */
export function newPatToken(): string {
  return `pat_${randomBytes(32).toString('hex')}`;
}

/**
 * Hashes a generated credential. They carry 256 random bits, so a plain SHA-256 is as strong
 * as a slow KDF here and keeps every token request fast.
 */
export function hashSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** Compares a presented credential with a stored hash in constant time. */
export function secretMatches(hash: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || !hash) return false;
  const a = Buffer.from(hashSecret(presented));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The service accounts of both flavors, in memory and optionally in `DATA_DIR/accounts.json`. */
export class AccountStore {
  private accounts: AccountRecord[] = [];
  private nextId = 1;
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string | undefined) {}

  /** Opens the store (loading `accounts.json` from `dataDir` when given). */
  static async open(dataDir: string | undefined): Promise<AccountStore> {
    const store = new AccountStore(dataDir ? join(dataDir, 'accounts.json') : undefined);
    if (store.file) {
      const saved = await readJsonFile<StoreFile>(store.file);
      if (saved) {
        store.accounts = saved.accounts;
        store.nextId = saved.nextId;
      }
    }
    return store;
  }

  /** Writes the store to disk (serialised; a no-op in memory mode). */
  persist(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const snapshot: StoreFile = { version: 1, nextId: this.nextId, accounts: this.accounts };
    const data = `${JSON.stringify(snapshot, null, 2)}\n`;
    this.writing = this.writing.catch(() => {}).then(() => writePrivateFile(file, data));
    return this.writing;
  }

  /** Accounts of one flavor and workspace, oldest first. */
  list(flavor: Flavor, workspace: string): AccountRecord[] {
    return this.accounts.filter((a) => a.flavor === flavor && a.workspace === workspace);
  }

  /** One account by its id (as a string from a URL). */
  get(flavor: Flavor, workspace: string, id: string): AccountRecord | undefined {
    return this.list(flavor, workspace).find((a) => String(a.id) === id);
  }

  /** One account by its client id. */
  byClientId(flavor: Flavor, clientId: string): AccountRecord | undefined {
    return this.accounts.find((a) => a.flavor === flavor && a.clientId === clientId);
  }

  /** The account and PAT a presented PAT belongs to. */
  byPat(flavor: Flavor, token: string): { account: AccountRecord; pat: PatRecord } | undefined {
    const hash = hashSecret(token);
    for (const account of this.accounts) {
      if (account.flavor !== flavor) continue;
      const pat = account.pats.find((p) => p.tokenHash === hash);
      if (pat) return { account, pat };
    }
    return undefined;
  }

  /** Creates an account; returns it and its one-time plaintext secret. */
  async create(
    fields: Pick<AccountRecord, 'flavor' | 'name' | 'description' | 'workspace' | 'grantTypes' | 'scopes' | 'createdBy'>,
  ): Promise<{ account: AccountRecord; clientSecret: string }> {
    const now = new Date().toISOString();
    const clientSecret = newClientSecret();
    const account: AccountRecord = {
      ...fields,
      id: fields.flavor === 'centrali' ? this.nextId++ : `sp_${randomBytes(8).toString('hex')}`,
      clientId: newClientId(),
      secretHash: hashSecret(clientSecret),
      secretVersion: 1,
      groups: fields.flavor === 'centrali' ? ['developers', 'api-users'] : ['service-accounts'],
      status: 'active',
      createdAt: now,
      updatedAt: now,
      pats: [],
    };
    this.accounts.push(account);
    await this.persist();
    return { account, clientSecret };
  }

  /** Applies changes to an account and bumps `updatedAt`. */
  async update(account: AccountRecord, changes: Partial<AccountRecord>): Promise<AccountRecord> {
    Object.assign(account, changes, { updatedAt: new Date().toISOString() });
    await this.persist();
    return account;
  }

  /** Gives an account a new secret; the old one stops working at once. */
  async rotate(account: AccountRecord): Promise<string> {
    const clientSecret = newClientSecret();
    await this.update(account, { secretHash: hashSecret(clientSecret), secretVersion: account.secretVersion + 1 });
    return clientSecret;
  }

  /** Deletes an account. */
  async remove(account: AccountRecord): Promise<void> {
    this.accounts = this.accounts.filter((a) => a !== account);
    await this.persist();
  }

  /** Adds a PAT to an account; returns it and its one-time plaintext token. */
  async addPat(account: AccountRecord, name: string, scopes: string[], ttlDays = 90): Promise<{ pat: PatRecord; token: string }> {
    const token = newPatToken();
    const created = new Date();
    const pat: PatRecord = {
      id: `pat_${randomBytes(6).toString('hex')}`,
      name,
      scopes,
      tokenHash: hashSecret(token),
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + ttlDays * 86_400_000).toISOString(),
    };
    account.pats.push(pat);
    await this.update(account, {});
    return { pat, token };
  }

  /** Deletes a PAT of an account; false when there is no such PAT. */
  async removePat(account: AccountRecord, patId: string): Promise<boolean> {
    const before = account.pats.length;
    account.pats = account.pats.filter((p) => p.id !== patId);
    if (account.pats.length === before) return false;
    await this.update(account, {});
    return true;
  }
}
