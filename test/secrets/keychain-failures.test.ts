/**
 * The ways a keychain fails for real, each reproduced and timed against its budget: the store
 * must end every call with a clear message within the budget, whatever the keychain does.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { AuthError, ExitCode } from '../../src/core/errors.js';
import { KeychainFailure } from '../../src/core/secrets/keychain-channel.js';
import { keychainStore } from '../../src/core/secrets/open.js';
import type { KeychainStore } from '../../src/core/secrets/keychain-store.js';
import { ROOT } from '../helpers/cli.js';
import { skipWithoutSecretService, startBus, startSecretService, type TestBus, type TestSecretService } from '../helpers/keyring.js';
import { recordingDeps } from './deps.js';

const ref = { service: 'eun:default@auth.example.com', account: 'session' };

/** Runs `fn`, returning what it threw (or resolved) and how long it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; error?: unknown; value?: T }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

function report(what: string, ms: number, budgetMs: number): void {
  process.stderr.write(`keychain failure timing: ${what}: ${ms.toFixed(0)} ms (budget ${budgetMs} ms)\n`);
}

const stores: KeychainStore[] = [];
function open(env: Record<string, string | undefined>, timeoutMs = 3000): KeychainStore {
  const deps = recordingDeps(env);
  const store = keychainStore(deps, { timeoutMs });
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

describe('no D-Bus session bus: fails fast', () => {
  test.each([
    ['DBUS_SESSION_BUS_ADDRESS unset', undefined],
    ['a dead socket', 'unix:path=/nonexistent/eun-test-bus'],
    ['a malformed address', 'nonsense'],
  ])('%s', async (what, address) => {
    const store = open({ DBUS_SESSION_BUS_ADDRESS: address });
    const probe = await timed(() => store.probe());
    report(`no bus (${what})`, probe.ms, 3000);
    expect(probe.error).toBeInstanceOf(KeychainFailure);
    expect((probe.error as KeychainFailure).kind).toBe('no-bus');
    expect(probe.ms).toBeLessThan(1500);
    const get = await timed(() => store.get(ref));
    expect(get.error).toBeInstanceOf(AuthError);
    expect((get.error as AuthError).exitCode).toBe(ExitCode.auth);
    expect((get.error as AuthError).message).toMatch(/^cannot read .* in the OS keychain: (no D-Bus session bus|the D-Bus session bus does not answer)$/);
    expect((get.error as AuthError).hint).toContain('EUN_SECRET_STORE=file');
  });
});

test('a keychain library that does not load (broken install): a clear reason, at once', async () => {
  // The worker, away from node_modules, cannot find @napi-rs/keyring.
  const dir = mkdtempSync(join(tmpdir(), 'eun-worker-'));
  try {
    const workerPath = join(dir, 'keychain-worker.ts');
    copyFileSync(join(ROOT, 'src', 'core', 'secrets', 'keychain-worker.ts'), workerPath);
    const store = keychainStore(recordingDeps({}), { workerPath });
    stores.push(store);
    const probe = await timed(() => store.probe());
    expect((probe.error as KeychainFailure).reason).toBe('the keychain library does not load on this system');
    expect(probe.ms).toBeLessThan(1500);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(skipWithoutSecretService())('a session bus without a working Secret Service', () => {
  let bus: TestBus;
  afterEach(async () => {
    await bus?.stop();
  });

  test('nothing provides org.freedesktop.secrets: fails fast', async () => {
    bus = await startBus();
    const probe = await timed(() => open(bus.env).probe());
    report('no Secret Service on the bus', probe.ms, 3000);
    expect((probe.error as KeychainFailure).kind).toBe('no-service');
    expect(probe.ms).toBeLessThan(1500);
  });

  test('activation fails at once: fails fast', async () => {
    bus = await startBus({ services: { 'org.freedesktop.secrets': 'fail' } });
    const probe = await timed(() => open(bus.env).probe());
    report('Secret Service activation fails', probe.ms, 3000);
    expect((probe.error as KeychainFailure).detail).toMatch(/exited/);
    expect((probe.error as KeychainFailure).kind).toBe('no-service');
    expect(probe.ms).toBeLessThan(1500);
  });

  test('activation never completes: the library gives up after 2 s, within the 3 s budget', async () => {
    bus = await startBus({ services: { 'org.freedesktop.secrets': 'hang' } });
    const probe = await timed(() => open(bus.env, 3000).probe());
    report('broken D-Bus activation', probe.ms, 3000);
    expect(probe.error).toBeInstanceOf(KeychainFailure);
    expect(['no-service', 'timeout']).toContain((probe.error as KeychainFailure).kind);
    expect(probe.ms).toBeLessThan(3000 + 500);
  });
});

describe.skipIf(skipWithoutSecretService())('a locked keyring', () => {
  let service: TestSecretService | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  test('with no prompter (no display): ends fast with "locked"', async () => {
    service = await startSecretService();
    const store = open(service.env);
    await store.set(ref, 'value');
    await service.lock();
    const get = await timed(() => store.get(ref));
    report('locked keyring, no display', get.ms, 3000);
    expect(get.error).toBeInstanceOf(AuthError);
    expect((get.error as AuthError).message).toContain('the keyring is locked and cannot be unlocked here');
    expect((get.error as AuthError).hint).toMatch(/unlock the keyring/);
    expect(get.ms).toBeLessThan(1500);
    // Storing fails the same way, and the error never carries the value.
    const set = await timed(() => store.set(ref, 'sekrit-value-4242'));
    expect((set.error as AuthError).message).toMatch(/^cannot store .* in the OS keychain: the keyring is locked/);
    const told = JSON.stringify([(set.error as AuthError).message, (set.error as AuthError).hint, String((set.error as AuthError).cause)]);
    expect(told.includes('sekrit-value-4242')).toBe(false);
  });

  test('with an unlock prompt nobody answers: ends at the budget, then fails at once', async () => {
    service = await startSecretService({ prompter: 'hang' });
    const budget = 1000;
    const store = open(service.env, budget);
    await store.set(ref, 'value');
    await service.lock();
    const get = await timed(() => store.get(ref));
    report('locked keyring, unlock prompt unanswered', get.ms, budget);
    expect(get.error).toBeInstanceOf(AuthError);
    expect((get.error as AuthError).message).toContain(`did not answer within ${budget} ms`);
    expect(get.ms).toBeGreaterThanOrEqual(budget - 50);
    expect(get.ms).toBeLessThan(budget + 500);
    // The keychain hangs; this run does not wait for it a second time.
    const again = await timed(() => store.get(ref));
    expect((again.error as AuthError).message).toContain(`did not answer within ${budget} ms`);
    expect(again.ms).toBeLessThan(50);
  });

  test('a keychain that stops answering (daemon frozen) ends at the budget', async () => {
    service = await startSecretService();
    const budget = 1000;
    const store = open(service.env, budget);
    await store.probe();
    service.pause();
    const get = await timed(() => store.get(ref));
    service.resume();
    report('Secret Service frozen (SIGSTOP)', get.ms, budget);
    expect((get.error as AuthError).message).toContain(`did not answer within ${budget} ms`);
    expect(get.ms).toBeLessThan(budget + 500);
  });
});

describe.skipIf(skipWithoutSecretService())('a hung keychain never keeps the process from ending', () => {
  let service: TestSecretService;
  let script: string;
  beforeAll(async () => {
    service = await startSecretService({ prompter: 'hang' });
    const store = open(service.env);
    await store.set(ref, 'value');
    store.close();
    await service.lock();
    const distModule = join(ROOT, 'dist', 'core', 'secrets', 'open.js');
    expect(existsSync(distModule), `${distModule} is missing: run npm run build first`).toBe(true);
    script = join(service.dir, 'hung-client.mjs');
    // A process that asks the locked keychain for a secret, then either exits (mid-call) or
    // waits for the budget; it prints the worker's pid so the test can check it is gone.
    writeFileSync(
      script,
      `import { keychainStore } from ${JSON.stringify(distModule)};
const [mode, budget] = process.argv.slice(2);
const deps = { env: process.env, now: Date.now, stdout: process.stdout, stderr: process.stderr, stdinIsTTY: false,
  platform: process.platform, homedir: process.env.HOME, debug() {} };
const store = keychainStore(deps, { timeoutMs: Number(budget) });
const get = store.get(${JSON.stringify(ref)});
setTimeout(() => console.log('worker ' + store.workerPid), 100);
if (mode === 'exit') setTimeout(() => process.exit(0), 300);
get.then(() => console.log('answered'), (err) => console.log('error ' + err.message));
`,
    );
  });
  afterAll(async () => {
    await service?.stop();
  });

  function run(mode: string, budget: number): Promise<{ ms: number; code: number | null; stdout: string }> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script, mode, String(budget)], {
        env: { PATH: process.env.PATH, HOME: service.dir, ...service.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ ms: performance.now() - started, code, stdout });
      });
    });
  }

  /** True while `pid` runs (a zombie waiting to be reaped has ended). */
  function alive(pid: number): boolean {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }

  test('process.exit during a hung call exits at once, and the worker goes too', async () => {
    const result = await run('exit', 60_000);
    report('process.exit while a call hangs', result.ms, 60_000);
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(2000);
    const pid = Number(/worker (\d+)/.exec(result.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alive(pid)).toBe(false);
  });

  test('without an explicit exit, the process ends by itself once the budget is spent', async () => {
    const result = await run('wait', 1000);
    report('process end after a hung call', result.ms, 1000);
    expect(result.stdout).toContain('error');
    expect(result.stdout).toContain('did not answer within 1000 ms');
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(1000 + 1500);
  });
});
