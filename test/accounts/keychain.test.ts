/**
 * The one-time secret in the real OS keychain: a private gnome-keyring on a private D-Bus
 * session bus. With CI=true this must run (skipWithoutSecretService throws instead of skipping).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainStore } from '../../src/core/secrets/open.js';
import { clientSecretAccount, secretService } from '../../src/core/secrets/types.js';
import type { Sandbox } from '../helpers/cli.js';
import { type Emulator, startEmulator } from '../helpers/emulator.js';
import { type TestSecretService, skipWithoutSecretService, startSecretService } from '../helpers/keyring.js';
import { recordingDeps } from '../secrets/deps.js';
import { UserTokens, expectAbsent, flavorSandbox, sa } from './setup.js';

describe.skipIf(skipWithoutSecretService())('client secrets in the real keychain (gnome-keyring)', () => {
  let emu: Emulator;
  let service: TestSecretService;
  let tokens: UserTokens;
  let sb: Sandbox;
  beforeAll(async () => {
    [emu, service] = await Promise.all([startEmulator(), startSecretService()]);
    tokens = new UserTokens(emu);
    sb = await flavorSandbox(emu, { ...service.env, EUN_SECRET_STORE: 'keychain' });
  });
  afterAll(async () => {
    sb?.cleanup();
    await Promise.all([emu?.stop(), service?.stop()]);
  });

  /** The stored secret of `clientId`, read straight from the keychain (never printed). */
  async function keychainSecret(clientId: string): Promise<string | undefined> {
    const store = keychainStore(recordingDeps({ ...service.env }, sb.dir));
    try {
      return await store.get({ service: secretService('eunifyer', emu.eunifyer.issuer), account: clientSecretAccount(clientId) });
    } finally {
      store.close();
    }
  }

  it('create stores the secret there, rotate replaces it, delete removes it', async () => {
    const created = await sa(sb, tokens, 'eunifyer', ['sa', 'create', '--name', 'in-keychain', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { id, clientId, clientSecret } = JSON.parse(created.stdout) as { id: string; clientId: string; clientSecret: string };
    expect((await keychainSecret(clientId)) === clientSecret).toBe(true);
    expect(existsSync(join(sb.env.EUN_CONFIG_DIR as string, 'secrets.json'))).toBe(false);
    expect(created.stderr).not.toMatch(/warning/);

    const token = await sb.run(['token', 'get', '--profile', 'eunifyer']);
    expect(token.code, token.stderr).toBe(0);

    const rotated = await sa(sb, tokens, 'eunifyer', ['sa', 'rotate', id, '--yes', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newSecret = JSON.parse(rotated.stdout).clientSecret as string;
    expect((await keychainSecret(clientId)) === newSecret).toBe(true);
    expectAbsent(rotated.stderr, newSecret, 'stderr of rotate');

    const deleted = await sa(sb, tokens, 'eunifyer', ['sa', 'delete', id, '--yes', '--json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout).secretRemoved).toBe(true);
    expect(await keychainSecret(clientId)).toBeUndefined();
  });
});
