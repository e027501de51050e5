/**
 * A real Secret Service for tests: a private D-Bus session bus and a gnome-keyring-daemon
 * unlocked with a throwaway password, everything (keyrings, sockets, HOME) in a temp dir.
 * Pass `env` to the code under test (Deps.env, or a CLI subprocess) to use it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const TOOLS = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'];

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why a Secret Service cannot be started here, or undefined when it can. */
export function secretServiceMissing(): string | undefined {
  if (process.platform !== 'linux') return `the Secret Service tests need Linux (this is ${process.platform})`;
  const missing = TOOLS.filter((tool) => !onPath(tool));
  if (missing.length > 0) return `${missing.join(', ')} not installed (apt-get install dbus-daemon dbus-bin gnome-keyring)`;
  return undefined;
}

/**
 * For `describe.skipIf(...)`: true when the keychain tests must be skipped, after saying why
 * on stderr. With CI=true a missing Secret Service is an error: there, these tests must run.
 */
export function skipWithoutSecretService(): boolean {
  const reason = secretServiceMissing();
  if (reason === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`the keychain tests must run in CI, but ${reason}`);
  process.stderr.write(`skipping the keychain tests: ${reason}\n`);
  return true;
}

/** A private session bus. */
export interface TestBus {
  /** The bus address and nothing else: merge it into the environment of the code under test. */
  env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** The temp dir that holds the bus, its services and (with a keyring) the keyring files. */
  dir: string;
  stop(): Promise<void>;
}

/** Options of a test bus. */
export interface TestBusOptions {
  /**
   * D-Bus activatable services: name → what happens when one is asked for. `hang`: a process
   * starts and never takes the name (activation waits); `fail`: the process exits at once.
   * Names not listed are not activatable (ServiceUnknown), as on a machine without them.
   */
  services?: Record<string, 'hang' | 'fail'>;
}

function busConfig(dir: string, serviceDir: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>${serviceDir}</servicedir>
  <limit name="service_start_timeout">60000</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

function firstLine(child: ChildProcess, what: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} printed nothing within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const newline = text.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, newline).trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready`));
    });
  });
}

function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Runs `dbus-send --print-reply ARGS…` on the bus at `address`; resolves its output. */
export function dbusSend(address: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'dbus-send',
      ['--session', '--print-reply', ...args],
      { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address }, timeout: 5000 },
      (err, stdout, stderr) => (err ? reject(new Error(`dbus-send ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)),
    );
  });
}

/** Starts a private session bus (no services but those asked for). */
export async function startBus(options: TestBusOptions = {}): Promise<TestBus> {
  const dir = mkdtempSync(join(tmpdir(), 'eun-bus-'));
  const serviceDir = join(dir, 'services');
  mkdirSync(serviceDir);
  for (const [name, behaviour] of Object.entries(options.services ?? {})) {
    // A hanging activation lasts as long as the bus dir: no orphan outlives the test.
    const script = join(dir, `${name}.sh`);
    writeFileSync(script, behaviour === 'hang' ? `#!/bin/sh\nwhile [ -d '${dir}' ]; do sleep 0.2; done\n` : '#!/bin/sh\nexit 1\n');
    chmodSync(script, 0o755);
    writeFileSync(join(serviceDir, `${name}.service`), `[D-BUS Service]\nName=${name}\nExec=${script}\n`);
  }
  const configPath = join(dir, 'bus.conf');
  writeFileSync(configPath, busConfig(dir, serviceDir));
  const daemon = spawn('dbus-daemon', [`--config-file=${configPath}`, '--print-address=1', '--nofork'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let address: string;
  try {
    address = await firstLine(daemon, 'dbus-daemon');
  } catch (err) {
    daemon.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    env: { DBUS_SESSION_BUS_ADDRESS: address },
    dir,
    async stop() {
      daemon.kill('SIGTERM');
      await ended(daemon);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A running, unlocked Secret Service (gnome-keyring) on a private bus. */
export interface TestSecretService extends TestBus {
  /** Locks the default ("login") collection, as a screen lock or a fresh login would. */
  lock(): Promise<void>;
  /** Freezes the daemon (SIGSTOP): it keeps its bus name but answers nothing. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
}

/** Options of a test Secret Service. */
export interface TestSecretServiceOptions {
  /** What an unlock prompt does: `none` (no prompter: dismissed at once), `hang` (nobody answers). */
  prompter?: 'none' | 'hang';
}

async function waitForName(address: string, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await dbusSend(address, [
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      `string:${name}`,
    ]).catch(() => '');
    if (/boolean true/.test(reply)) return;
    if (Date.now() > deadline) throw new Error(`${name} did not appear on the test bus within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts gnome-keyring-daemon (secrets component) on a private bus, its login keyring created
 * and unlocked with a throwaway password, and waits until it owns `org.freedesktop.secrets`.
 */
export async function startSecretService(options: TestSecretServiceOptions = {}): Promise<TestSecretService> {
  const prompters = ['org.gnome.keyring.SystemPrompter', 'org.gnome.keyring.PrivatePrompter'];
  const bus = await startBus({
    services: options.prompter === 'hang' ? Object.fromEntries(prompters.map((name) => [name, 'hang' as const])) : {},
  });
  const home = join(bus.dir, 'home');
  const runtime = join(bus.dir, 'run');
  mkdirSync(home);
  mkdirSync(runtime, { mode: 0o700 });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_DATA_HOME: join(bus.dir, 'data'),
    XDG_CONFIG_HOME: join(bus.dir, 'config'),
    XDG_RUNTIME_DIR: runtime,
    ...bus.env,
  };
  const daemon = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--foreground'], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  daemon.stdin?.end('eun-test-password');
  const stop = async () => {
    daemon.kill('SIGCONT');
    daemon.kill('SIGTERM');
    await ended(daemon);
    await bus.stop();
  };
  try {
    await waitForName(bus.env.DBUS_SESSION_BUS_ADDRESS, 'org.freedesktop.secrets', 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ...bus,
    async lock() {
      await dbusSend(bus.env.DBUS_SESSION_BUS_ADDRESS, [
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock',
        'array:objpath:/org/freedesktop/secrets/collection/login',
      ]);
    },
    pause: () => void daemon.kill('SIGSTOP'),
    resume: () => void daemon.kill('SIGCONT'),
    stop,
  };
}
