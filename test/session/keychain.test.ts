/**
 * The session in the real OS keychain: a private gnome-keyring on a private D-Bus session
 * bus. With CI=true these tests must run (skipWithoutSecretService throws instead of skipping).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keychainStore } from '../../src/core/secrets/open.js';
import { SESSION_ACCOUNT, secretService } from '../../src/core/secrets/types.js';
import type { Sandbox } from '../helpers/cli.js';
import { type Emulator, startEmulator } from '../helpers/emulator.js';
import { skipWithoutSecretService, startSecretService, type TestSecretService } from '../helpers/keyring.js';
import { recordingDeps } from '../secrets/deps.js';
import { JWT, expectNoToken, sessionSandbox } from './session-helpers.js';

describe.skipIf(skipWithoutSecretService())('a session kept in the real keychain (gnome-keyring)', () => {
  let emu: Emulator;
  let service: TestSecretService;
  let sb: Sandbox;
  beforeAll(async () => {
    [emu, service] = await Promise.all([startEmulator({ autoApprove: true }), startSecretService()]);
    await emu.settings({ deviceInterval: 1 });
    sb = sessionSandbox(emu, { ...service.env, EUN_SECRET_STORE: 'keychain' });
  });
  afterAll(async () => {
    sb?.cleanup();
    await Promise.all([emu?.stop(), service?.stop()]);
  });

  /** The session as the keychain holds it (parsed; never printed). */
  async function keychainSession(): Promise<Record<string, unknown> | undefined> {
    const store = keychainStore(recordingDeps({ ...service.env }, sb.dir));
    try {
      const text = await store.get({ service: secretService('local', emu.eunifyer.issuer), account: SESSION_ACCOUNT });
      return text === undefined ? undefined : JSON.parse(text);
    } finally {
      store.close();
    }
  }

  test('login, whoami, refresh and logout with the session in the Secret Service', async () => {
    const login = await sb.run(['login']);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain('Logged in to profile local as demo (store: Secret Service (org.freedesktop.secrets))');
    expect(login.stderr).not.toContain('warning');
    const stored = (await keychainSession())!;
    expect(stored.accessToken).toMatch(JWT);
    expect(stored.refreshToken).toEqual(expect.any(String));
    // Nothing went to the file store.
    expect(existsSync(join(sb.env.EUN_CONFIG_DIR!, 'secrets.json'))).toBe(false);

    const who = await sb.run(['whoami', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({
      subject: 'user-demo',
      source: 'session',
      store: { kind: 'keychain', location: 'Secret Service (org.freedesktop.secrets)' },
    });
    expectNoToken(login.stdout + login.stderr + who.stdout + who.stderr, stored.refreshToken as string);

    // A refresh writes the new tokens back to the keychain.
    await emu.settings({ userTokenTtl: 1 });
    try {
      const short = await sb.run(['login']);
      expect(short.code, short.stderr).toBe(0);
      const before = (await keychainSession())!;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect((await sb.run(['whoami'])).code).toBe(0);
      const after = (await keychainSession())!;
      expect(after.accessToken !== before.accessToken, 'a new access token in the keychain').toBe(true);
    } finally {
      await emu.settings({ userTokenTtl: 900 });
    }

    const logout = await sb.run(['logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toContain('revoked at the issuer and removed from Secret Service (org.freedesktop.secrets)');
    expect(await keychainSession()).toBeUndefined();
    const gone = await sb.run(['whoami']);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain('hint: run eun login');
  });
});
