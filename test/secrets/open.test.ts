import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { AuthError, ExitCode, UsageError } from '../../src/core/errors.js';
import type { KeychainStore } from '../../src/core/secrets/keychain-store.js';
import { openSecretStore, removeProfileSecrets, secretsFile } from '../../src/core/secrets/open.js';
import type { SecretStore } from '../../src/core/secrets/types.js';
import { secretService, SESSION_ACCOUNT } from '../../src/core/secrets/types.js';
import { skipWithoutSecretService, startBus, startSecretService, type TestSecretService } from '../helpers/keyring.js';
import { recordingDeps, type RecordingDeps } from './deps.js';

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/eun-test-bus' };
const WARNING =
  /^eun: warning: the OS keychain is unavailable \((.+)\); secrets are kept in (.+) \(mode 0600\)\. Set EUN_SECRET_STORE=file to silence this\.\n$/;

const cleanups: Array<() => void> = [];
function deps(env: Record<string, string | undefined>, dir?: string): RecordingDeps {
  const d = recordingDeps(env, dir);
  if (dir === undefined) cleanups.push(d.cleanup);
  return d;
}
function closeIfKeychain(store: SecretStore): void {
  if (store.kind === 'keychain') (store as KeychainStore).close();
}
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('choosing the secret store', () => {
  test('EUN_SECRET_STORE=file: the file store in the config dir, without asking the keychain', async () => {
    const d = deps({ ...NO_BUS, EUN_SECRET_STORE: 'file' });
    const store = await openSecretStore(d);
    expect(store.kind).toBe('file');
    expect(store.location).toBe(join(d.env.EUN_CONFIG_DIR!, 'secrets.json'));
    expect(store.location).toBe(secretsFile(d));
    expect(store.fallbackReason).toBeUndefined();
    expect(d.stderrText()).toBe('');
  });

  test('EUN_SECRET_STORE with another value is a usage error (exit 2)', async () => {
    const err = await openSecretStore(deps({ EUN_SECRET_STORE: 'vault' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(ExitCode.usage);
    expect((err as UsageError).message).toBe('EUN_SECRET_STORE must be keychain or file (it is "vault")');
  });

  test('EUN_SECRET_STORE=keychain with no keychain: exit 4, a clear message, and no file fallback', async () => {
    const d = deps({ ...NO_BUS, EUN_SECRET_STORE: 'keychain' });
    const started = performance.now();
    const err = await openSecretStore(d).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).exitCode).toBe(ExitCode.auth);
    expect((err as AuthError).code).toBe('keychain_unavailable');
    expect((err as AuthError).message).toBe(
      'the OS keychain is unavailable and EUN_SECRET_STORE=keychain rules out the file store: the D-Bus session bus does not answer',
    );
    expect((err as AuthError).hint).toContain('EUN_SECRET_STORE=file');
    expect(existsSync(secretsFile(d))).toBe(false);
    expect(d.stderrText()).toBe('');
  });

  test('no keychain: the file store, said once on stderr with which store, where and why', async () => {
    const d = deps(NO_BUS);
    const store = await openSecretStore(d);
    expect(store.kind).toBe('file');
    expect(store.fallbackReason).toBe('the D-Bus session bus does not answer');
    const match = WARNING.exec(d.stderrText());
    expect(match?.[1]).toBe('the D-Bus session bus does not answer');
    expect(match?.[2]).toBe(secretsFile(d));
    // The same run asks again: the same store, nothing more said.
    expect(await openSecretStore(d)).toBe(store);
    expect(d.stderrText().match(/warning/g)).toHaveLength(1);
    // Another part of this process with its own Deps: silent, but in the --verbose diagnostics.
    const again = deps(NO_BUS, d.dir);
    expect((await openSecretStore(again)).kind).toBe('file');
    expect(again.stderrText()).toBe('');
    expect(again.debugLines.filter((l) => l.startsWith('the OS keychain is unavailable'))).toHaveLength(1);
  });

  test('the notice is given once per situation across processes, and again when it changes', async () => {
    const first = deps(NO_BUS);
    await openSecretStore(first);
    expect(first.stderrText()).toMatch(WARNING);
    // A later eun process (fresh module state), same config dir, same reason: silent.
    vi.resetModules();
    const fresh = await import('../../src/core/secrets/open.js');
    const later = deps(NO_BUS, first.dir);
    expect((await fresh.openSecretStore(later)).kind).toBe('file');
    expect(later.stderrText()).toBe('');
    // Another reason (the bus variable is gone now): said again.
    vi.resetModules();
    const other = await import('../../src/core/secrets/open.js');
    const changed = deps({ DBUS_SESSION_BUS_ADDRESS: undefined }, first.dir);
    await other.openSecretStore(changed);
    expect(WARNING.exec(changed.stderrText())?.[1]).toBe('no D-Bus session bus');
  });

  test('EUN_KEYCHAIN_TIMEOUT_MS bounds the probe of a keychain that never answers', async () => {
    const bus = await startBus({ services: { 'org.freedesktop.secrets': 'hang' } });
    try {
      const d = deps({ ...bus.env, EUN_KEYCHAIN_TIMEOUT_MS: '500' });
      const started = performance.now();
      const store = await openSecretStore(d);
      const ms = performance.now() - started;
      process.stderr.write(`keychain failure timing: fallback probe, broken activation: ${ms.toFixed(0)} ms (budget 500 ms)\n`);
      expect(store.kind).toBe('file');
      expect(store.fallbackReason).toBe('the keychain did not answer within 500 ms (it may be waiting for an unlock prompt)');
      expect(ms).toBeLessThan(1000);
    } finally {
      await bus.stop();
    }
  });

  test('removeProfileSecrets removes a profile\'s secrets and no one else\'s', async () => {
    const store = await openSecretStore(deps({ EUN_SECRET_STORE: 'file' }));
    const issuer = 'https://auth.example.com/realms/x';
    await store.set({ service: secretService('ci', issuer), account: SESSION_ACCOUNT }, 'a');
    await store.set({ service: secretService('ci', issuer), account: 'client:bot' }, 'b');
    await store.set({ service: secretService('dev', issuer), account: SESSION_ACCOUNT }, 'c');
    expect(await removeProfileSecrets(store, 'ci', issuer)).toBe(2);
    expect(await store.get({ service: secretService('ci', issuer), account: SESSION_ACCOUNT })).toBeUndefined();
    expect(await store.get({ service: secretService('dev', issuer), account: SESSION_ACCOUNT })).toBe('c');
  });
});

describe.skipIf(skipWithoutSecretService())('choosing the secret store with a working keychain', () => {
  let service: TestSecretService;
  beforeAll(async () => {
    service = await startSecretService();
  });
  afterAll(async () => {
    await service?.stop();
  });

  test.each([
    ['unset', undefined],
    ['keychain', 'keychain'],
  ])('EUN_SECRET_STORE %s: the keychain, silently', async (_, forced) => {
    const d = deps({ ...service.env, EUN_SECRET_STORE: forced });
    const store = await openSecretStore(d);
    try {
      expect(store.kind).toBe('keychain');
      expect(store.location).toBe('Secret Service (org.freedesktop.secrets)');
      expect(store.fallbackReason).toBeUndefined();
      const ref = { service: secretService('default', 'https://auth.example.com'), account: SESSION_ACCOUNT };
      await store.set(ref, 'in the keychain');
      expect(await store.get(ref)).toBe('in the keychain');
      expect(await store.delete(ref)).toBe(true);
      expect(d.stderrText()).toBe('');
      expect(existsSync(secretsFile(d))).toBe(false);
    } finally {
      closeIfKeychain(store);
    }
  });

  test('once the keychain works again, a later fallback is announced afresh', async () => {
    const d = deps(NO_BUS);
    await openSecretStore(d);
    expect(existsSync(`${secretsFile(d)}.notice`)).toBe(true);
    const back = deps(service.env, d.dir);
    closeIfKeychain(await openSecretStore(back));
    expect(existsSync(`${secretsFile(d)}.notice`)).toBe(false);
  });
});
