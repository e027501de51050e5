import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root and the CLI entry point that tests drive. */
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'run.js');

/** What a CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of one CLI run. */
export interface CliOptions {
  /** Extra environment (merged over the sandbox's). */
  env?: Record<string, string | undefined>;
  /** Text for standard input (stdin is closed either way). */
  input?: string;
  /** Kill the process after this long. */
  timeoutMs?: number;
  /** Node binary (default: the one running the tests). */
  node?: string;
}

/**
 * A private world for CLI runs: HOME, config, cache and data dirs in one temp dir, and the
 * file secret store unless a test asks for the keychain. Remove it with `cleanup()`.
 */
export class Sandbox {
  readonly dir: string;
  readonly env: Record<string, string>;

  constructor(extraEnv: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'eun-test-'));
    this.env = {
      HOME: join(this.dir, 'home'),
      EUN_CONFIG_DIR: join(this.dir, 'config'),
      EUN_CACHE_DIR: join(this.dir, 'cache'),
      XDG_CONFIG_HOME: join(this.dir, 'xdg-config'),
      XDG_CACHE_HOME: join(this.dir, 'xdg-cache'),
      XDG_DATA_HOME: join(this.dir, 'xdg-data'),
      EUN_SECRET_STORE: 'file',
      NO_COLOR: '1',
      ...extraEnv,
    };
  }

  /** Runs `eun ARGS…` in this sandbox. */
  run(args: string[], options: CliOptions = {}): Promise<CliResult> {
    return runCli(args, { ...options, env: { ...this.env, ...options.env } });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Variables a test must not inherit: they change what eun does (NODE_ENV=test makes oclif look
 * for TypeScript sources; a desktop's DBUS_SESSION_BUS_ADDRESS would reach the developer's own
 * keychain: tests that want one pass the one of test/helpers/keyring.ts).
 */
const INHERITED_DROP = /^(EUN_|XDG_|DBUS_SESSION_BUS_ADDRESS$|DEBUG$|NODE_ENV$|VITEST|CI$|NO_COLOR$|FORCE_COLOR$|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$)/;

/** Runs `node bin/run.js ARGS…` as a subprocess and collects its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** A CLI subprocess still running: watch its output as it comes, send it signals. */
export interface RunningCli {
  child: ChildProcess;
  /** Everything written on stderr so far. */
  stderr(): string;
  result: Promise<CliResult>;
}

/** Starts `node bin/run.js ARGS…` as a subprocess (see runCli) without waiting for it. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_DROP.test(k)) base[k] = v;
  const env: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const started = Date.now();
  const child = spawn(options.node ?? process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<CliResult>((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');
  return { child, stderr: () => stderr, result };
}
