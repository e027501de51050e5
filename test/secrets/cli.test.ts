/**
 * The secret store as a user meets it: the real `eun` (bin/run.js) reading a client secret
 * for `token get`, with a real keychain that works, hangs, or is missing.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { keychainStore } from '../../src/core/secrets/open.js';
import { clientSecretAccount, secretService } from '../../src/core/secrets/types.js';
import { Sandbox } from '../helpers/cli.js';
import { skipWithoutSecretService, startSecretService, type TestSecretService } from '../helpers/keyring.js';
import { recordingDeps } from './deps.js';

// The built-in default profile: `token get --client-id` looks for the secret under it.
const DEFAULT_ISSUER = 'https://auth.eunifyer.com/realms/eunify';
const ref = { service: secretService('default', DEFAULT_ISSUER), account: clientSecretAccount('ci-bot') };

let box: Sandbox | undefined;
let service: TestSecretService | undefined;
afterEach(async () => {
  box?.cleanup();
  box = undefined;
  await service?.stop();
  service = undefined;
});

test('no keychain: eun says once that secrets go to a file, and where', async () => {
  box = new Sandbox({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/eun-test-bus' });
  const env = { EUN_SECRET_STORE: undefined };
  const first = await box.run(['token', 'get', '--client-id', 'ci-bot'], { env });
  expect(first.code).toBe(4);
  const warnings = first.stderr.split('\n').filter((line) => line.startsWith('eun: warning:'));
  expect(warnings).toEqual([
    `eun: warning: the OS keychain is unavailable (the D-Bus session bus does not answer); secrets are kept in ${box.env.EUN_CONFIG_DIR}/secrets.json (mode 0600). Set EUN_SECRET_STORE=file to silence this.`,
  ]);
  const second = await box.run(['token', 'get', '--client-id', 'ci-bot'], { env });
  expect(second.code).toBe(4);
  expect(second.stderr).not.toContain('warning');
});

describe.skipIf(skipWithoutSecretService())('eun and a locked keychain', () => {
  test('an unlock prompt nobody answers: eun ends within the budget, exit 4, with what to do', async () => {
    service = await startSecretService({ prompter: 'hang' });
    box = new Sandbox(service.env);
    const store = keychainStore(recordingDeps(service.env, box.dir));
    await store.set(ref, 'stored-before-the-lock');
    store.close();
    await service.lock();
    const budget = 1000;
    const result = await box.run(['token', 'get', '--client-id', 'ci-bot'], {
      env: { EUN_SECRET_STORE: undefined, EUN_KEYCHAIN_TIMEOUT_MS: String(budget) },
    });
    process.stderr.write(`keychain failure timing: eun token get, unlock prompt unanswered: ${result.ms} ms (budget ${budget} ms + Node start)\n`);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `eun: cannot read the client secret of ci-bot (${ref.service}) in the OS keychain: the keychain did not answer within ${budget} ms`,
    );
    expect(result.stderr).toContain('hint: answer the keychain unlock prompt if there is one, or set EUN_SECRET_STORE=file');
    expect(result.ms).toBeLessThan(budget + 2500);
  });
});
