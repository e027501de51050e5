import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LocalStateError } from '../../src/core/errors.js';
import { FileSecretStore } from '../../src/core/secrets/file-store.js';
import { ROOT } from '../helpers/cli.js';

let dir: string;
let path: string;
const ref = { service: 'eun:default@auth.example.com', account: 'session' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eun-file-store-'));
  path = join(dir, 'config', 'secrets.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;

describe('file secret store', () => {
  test('stores, reads, replaces and removes a secret', async () => {
    const store = new FileSecretStore(path);
    expect(store.kind).toBe('file');
    expect(store.location).toBe(path);
    expect(await store.get(ref)).toBeUndefined();
    await store.set(ref, 'first');
    await store.set(ref, 'second');
    await store.set({ ...ref, account: 'client:bot-1' }, 'other');
    expect(await store.get(ref)).toBe('second');
    expect(await store.delete(ref)).toBe(true);
    expect(await store.delete(ref)).toBe(false);
    expect(await store.get(ref)).toBeUndefined();
    expect(await store.get({ ...ref, account: 'client:bot-1' })).toBe('other');
  });

  test('a new store is mode 0600 in a 0700 directory, with no temp files left', async () => {
    const store = new FileSecretStore(path);
    await store.set(ref, 'value');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'config')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'config'))).toEqual(['secrets.json']);
  });

  test('clear removes every secret of one service and only those', async () => {
    const store = new FileSecretStore(path);
    await store.set(ref, 's');
    await store.set({ ...ref, account: 'client:a' }, 'a');
    await store.set({ service: 'eun:other@auth.example.com', account: 'session' }, 'keep');
    expect(await store.clear(ref.service)).toBe(2);
    expect(await store.get(ref)).toBeUndefined();
    expect(await store.get({ service: 'eun:other@auth.example.com', account: 'session' })).toBe('keep');
    expect(await store.clear(ref.service)).toBe(0);
  });

  test.each([
    ['not JSON', '{"version":1,"secrets":{"a":'],
    ['another format', '["version",1]'],
    ['a non-string secret', '{"version":1,"secrets":{"s":{"a":42}}}'],
  ])('a damaged store (%s) is reported with the file and a way out, and never overwritten', async (_, content) => {
    mkdirSync(join(dir, 'config'), { mode: 0o700 });
    writeFileSync(path, content, { mode: 0o600 });
    const store = new FileSecretStore(path);
    for (const attempt of [() => store.get(ref), () => store.set(ref, 'new'), () => store.delete(ref)]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalStateError);
      expect((err as LocalStateError).message).toContain(path);
      expect((err as LocalStateError).message).toContain('damaged');
      expect((err as LocalStateError).hint).toContain(`mv ${path}`);
    }
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  test('a store written by a newer eun is reported as such and left alone', async () => {
    mkdirSync(join(dir, 'config'), { mode: 0o700 });
    writeFileSync(path, '{"version":2,"secrets":{}}', { mode: 0o600 });
    const err = await new FileSecretStore(path).set(ref, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalStateError);
    expect((err as Error).message).toBe(`the secret store ${path} was written by a newer eun (format 2)`);
    expect(readFileSync(path, 'utf8')).toBe('{"version":2,"secrets":{}}');
  });

  test('a writer that cannot get the lock in time says who to blame, and writes nothing', async () => {
    const store = new FileSecretStore(path, { lockTimeoutMs: 200 });
    await store.set(ref, 'before');
    // A live process (this one) holds the lock.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'n', at: Date.now() }));
    const err = await store.set(ref, 'after').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalStateError);
    expect((err as Error).message).toBe(`cannot change the secret store ${path}: another eun process holds ${path}.lock`);
    expect((err as LocalStateError).hint).toBe(`if no other eun is running, remove ${path}.lock`);
    rmSync(`${path}.lock`);
    expect(await store.get(ref)).toBe('before');
  });

  test.skipIf(isRoot || process.platform === 'win32')('an unreadable store is reported, not treated as empty', async () => {
    const store = new FileSecretStore(path);
    await store.set(ref, 'value');
    chmodSync(path, 0o000);
    const err = await store.get(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalStateError);
    expect((err as Error).message).toMatch(/cannot read the secret store .*EACCES/);
  });

  test('a directory where the store should be is reported, not a crash', async () => {
    mkdirSync(path, { recursive: true });
    const err = await new FileSecretStore(path).get(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalStateError);
    expect((err as Error).message).toContain(path);
  });

  test.skipIf(process.platform === 'win32')('a store others can read is reported once, and rewritten 0600', async () => {
    const warnings: string[] = [];
    const store = new FileSecretStore(path, { warn: (m) => warnings.push(m), platform: process.platform });
    await store.set(ref, 'value');
    chmodSync(path, 0o644);
    await store.get(ref);
    await store.get(ref);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`chmod 600 ${path}`);
    await store.set(ref, 'again');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test('20 concurrent processes writing different entries: every entry survives', async () => {
    const distModule = join(ROOT, 'dist', 'core', 'secrets', 'file-store.js');
    expect(existsSync(distModule), `${distModule} is missing: run npm run build first`).toBe(true);
    const script = join(dir, 'writer.mjs');
    writeFileSync(
      script,
      `import { FileSecretStore } from ${JSON.stringify(distModule)};
const [path, id] = process.argv.slice(2);
const store = new FileSecretStore(path);
for (let i = 0; i < 3; i++) await store.set({ service: 'eun:p' + id + '@h', account: 'client:' + i }, 'secret-' + id + '-' + i);
`,
    );
    const writers = Array.from({ length: 20 }, (_, id) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, [script, path, String(id)], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('error', reject);
        child.on('exit', resolve);
      }),
    );
    expect(await Promise.all(writers)).toEqual(Array(20).fill(0));
    const store = new FileSecretStore(path);
    for (let id = 0; id < 20; id++) {
      for (let i = 0; i < 3; i++) {
        expect(await store.get({ service: `eun:p${id}@h`, account: `client:${i}` })).toBe(`secret-${id}-${i}`);
      }
    }
    expect(readdirSync(join(dir, 'config')).sort()).toEqual(['secrets.json']);
  }, 60_000);
});
