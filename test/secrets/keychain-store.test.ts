import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keychainStore } from '../../src/core/secrets/open.js';
import { clientSecretAccount, secretService, SESSION_ACCOUNT } from '../../src/core/secrets/types.js';
import { dbusSend, skipWithoutSecretService, startSecretService, type TestSecretService } from '../helpers/keyring.js';
import { recordingDeps, type RecordingDeps } from './deps.js';

/** Object paths of the Secret Service items whose attributes include `attributes`. */
async function itemsWith(address: string, attributes: Record<string, string>): Promise<string[]> {
  const dict = Object.entries(attributes).flat().join(',');
  const reply = await dbusSend(address, [
    '--dest=org.freedesktop.secrets',
    '/org/freedesktop/secrets',
    'org.freedesktop.Secret.Service.SearchItems',
    `dict:string:string:${dict}`,
  ]);
  return [...reply.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]!);
}

describe.skipIf(skipWithoutSecretService())('keychain store on a real Secret Service (gnome-keyring)', () => {
  let service: TestSecretService;
  let deps: RecordingDeps;
  const ref = { service: secretService('default', 'https://auth.example.com/realms/x'), account: SESSION_ACCOUNT };

  beforeAll(async () => {
    service = await startSecretService();
    deps = recordingDeps(service.env);
  });
  afterAll(async () => {
    await service?.stop();
    deps?.cleanup();
  });

  test('stores, reads, replaces and removes a secret in the Secret Service', async () => {
    const store = keychainStore(deps);
    try {
      expect(store.kind).toBe('keychain');
      expect(store.location).toBe('Secret Service (org.freedesktop.secrets)');
      expect(await store.get(ref)).toBeUndefined();
      await store.set(ref, 'first');
      await store.set(ref, 'second');
      expect(await store.get(ref)).toBe('second');
      // The item is really in gnome-keyring (not in the kernel keyring keyring-rs falls back to).
      expect(await itemsWith(service.env.DBUS_SESSION_BUS_ADDRESS, { service: ref.service })).toHaveLength(1);
      expect(await store.delete(ref)).toBe(true);
      expect(await store.delete(ref)).toBe(false);
      expect(await store.get(ref)).toBeUndefined();
      expect(await itemsWith(service.env.DBUS_SESSION_BUS_ADDRESS, { service: ref.service })).toEqual([]);
    } finally {
      store.close();
    }
  });

  test('a secret outlives the worker process that stored it', async () => {
    const writer = keychainStore(deps);
    await writer.set({ service: ref.service, account: clientSecretAccount('bot-1') }, 'kept');
    writer.close();
    const reader = keychainStore(deps);
    try {
      expect(await reader.get({ service: ref.service, account: clientSecretAccount('bot-1') })).toBe('kept');
    } finally {
      await reader.clear(ref.service);
      reader.close();
    }
  });

  test('long values are split to fit small entries (Windows limit forced) and round-trip', async () => {
    const store = keychainStore(deps, { maxValueBytes: 64 });
    const chunked = { service: `${ref.service}-chunks`, account: SESSION_ACCOUNT };
    try {
      const value = JSON.stringify({ refreshToken: 'r'.repeat(400), note: 'Grüße 😀'.repeat(10) });
      await store.set(chunked, value);
      expect(await store.get(chunked)).toBe(value);
      const items = await itemsWith(service.env.DBUS_SESSION_BUS_ADDRESS, { service: chunked.service });
      expect(items.length).toBe(1 + Math.ceil(value.length / 32));
      // A shorter value replaces it, and the old pieces go.
      await store.set(chunked, 'short');
      expect(await store.get(chunked)).toBe('short');
      expect(await itemsWith(service.env.DBUS_SESSION_BUS_ADDRESS, { service: chunked.service })).toHaveLength(1);
      await store.set(chunked, value);
      expect(await store.delete(chunked)).toBe(true);
      expect(await itemsWith(service.env.DBUS_SESSION_BUS_ADDRESS, { service: chunked.service })).toEqual([]);
    } finally {
      store.close();
    }
  });

  test('clear removes all of a service, pieces included, and nothing else', async () => {
    const store = keychainStore(deps, { maxValueBytes: 64 });
    const profile = secretService('work', 'https://login.example.org');
    const other = { service: secretService('home', 'https://login.example.org'), account: SESSION_ACCOUNT };
    try {
      await store.set({ service: profile, account: SESSION_ACCOUNT }, 'x'.repeat(200));
      await store.set({ service: profile, account: clientSecretAccount('a') }, 'a');
      await store.set(other, 'keep');
      expect(await store.clear(profile)).toBe(2);
      expect(await itemsWith(service.env.DBUS_SESSION_BUS_ADDRESS, { service: profile })).toEqual([]);
      expect(await store.get(other)).toBe('keep');
    } finally {
      await store.clear(other.service);
      store.close();
    }
  });

  test('the bus address comes from deps.env: process.env is neither read nor changed', async () => {
    expect(process.env.DBUS_SESSION_BUS_ADDRESS).not.toBe(service.env.DBUS_SESSION_BUS_ADDRESS);
    const store = keychainStore(deps);
    try {
      await store.probe();
    } finally {
      store.close();
    }
    expect(process.env.DBUS_SESSION_BUS_ADDRESS).not.toBe(service.env.DBUS_SESSION_BUS_ADDRESS);
  });

  test('cost: the worker starts once, then each call is a few milliseconds', async () => {
    const store = keychainStore(deps);
    try {
      let started = performance.now();
      await store.probe();
      const firstMs = performance.now() - started;
      await store.set(ref, 'value');
      const n = 20;
      started = performance.now();
      for (let i = 0; i < n; i++) await store.get(ref);
      const perGetMs = (performance.now() - started) / n;
      started = performance.now();
      for (let i = 0; i < n; i++) await store.set(ref, `value-${i}`);
      const perSetMs = (performance.now() - started) / n;
      process.stderr.write(
        `keychain cost: first call (worker start) ${firstMs.toFixed(0)} ms, get ${perGetMs.toFixed(1)} ms, set ${perSetMs.toFixed(1)} ms\n`,
      );
      expect(firstMs).toBeLessThan(1500);
      expect(perGetMs).toBeLessThan(100);
      expect(perSetMs).toBeLessThan(200);
    } finally {
      await store.delete(ref);
      store.close();
    }
  });
});
