import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { WorkerRequest, WorkerResponse } from './keychain-worker.js';

/** Why the keychain could not be used, in a form the store turns into a message. */
export type KeychainFailureKind = 'no-bus' | 'no-service' | 'locked' | 'timeout' | 'failed';

/** A keychain call that failed; `reason` is short, for people, and never holds a secret. */
export class KeychainFailure extends Error {
  constructor(
    readonly kind: KeychainFailureKind,
    readonly reason: string,
    readonly detail?: string,
  ) {
    super(reason);
    this.name = 'KeychainFailure';
  }
}

/** Sorts the native library's error text into the behaviours we know. */
export function classifyKeychainError(message: string, env: Readonly<Record<string, string | undefined>>): KeychainFailure {
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|Failed to connect to socket|Address does not contain|Connection refused/i.test(message)) {
    const address = env.DBUS_SESSION_BUS_ADDRESS;
    return new KeychainFailure(
      'no-bus',
      address ? 'the D-Bus session bus does not answer' : 'no D-Bus session bus',
      message,
    );
  }
  if (/Did not receive a reply|ServiceUnknown|not provided by any \.service files|NameHasNoOwner|Spawn\.|ChildExited|org\.freedesktop\.secrets exited/i.test(message)) {
    return new KeychainFailure('no-service', 'no Secret Service answers on the D-Bus session bus', message);
  }
  if (/prompt was dismissed|is locked|User interaction is not allowed|interaction not allowed/i.test(message)) {
    return new KeychainFailure('locked', 'the keyring is locked and cannot be unlocked here', message);
  }
  if (/cannot load @napi-rs\/keyring/.test(message)) {
    return new KeychainFailure('failed', 'the keychain library does not load on this system', message);
  }
  return new KeychainFailure('failed', 'the keychain call failed', message);
}

/** Where the worker is: compiled beside this file, or its source when running from `src`. */
export function defaultWorkerPath(): string {
  const js = fileURLToPath(new URL('./keychain-worker.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./keychain-worker.ts', import.meta.url));
}

/** Options of a keychain channel. */
export interface KeychainChannelOptions {
  /** The environment the worker runs in (its D-Bus address comes from here). */
  env: Readonly<Record<string, string | undefined>>;
  /** The worker script (default: beside this module). */
  workerPath?: string;
  /** The Node binary that runs the worker (default: this one). */
  nodePath?: string;
}

interface Pending {
  resolve(response: WorkerResponse & { ok: true }): void;
  reject(err: KeychainFailure): void;
  timer: NodeJS.Timeout;
}

/** Variables the worker must not see: ours (secrets among them) and Node options. */
const DROPPED = /^(EUN_|NODE_OPTIONS$)/;

/**
 * Talks to one keychain worker process, started on first use and kept for the life of this
 * process without holding it open. A call that runs past its deadline kills the worker; as a
 * keychain that hangs once hangs again, later calls then fail at once with the same reason,
 * so that one `eun` run waits for the keychain one budget at the most.
 */
export class KeychainChannel {
  private child?: ChildProcess;
  private broken?: KeychainFailure;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = '';

  constructor(private readonly options: KeychainChannelOptions) {}

  /** Sends one request; rejects with a KeychainFailure (classified) or on the deadline. */
  async call(request: Omit<WorkerRequest, 'id'>, deadline: number, budgetMs: number): Promise<WorkerResponse & { ok: true }> {
    if (this.broken) throw this.broken;
    const child = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const failure = new KeychainFailure(
            'timeout',
            `the keychain did not answer within ${budgetMs} ms (it may be waiting for an unlock prompt)`,
          );
          this.kill(failure);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.pending.set(id, { resolve, reject, timer });
      this.setRef(true);
      child.stdin?.write(`${JSON.stringify({ ...request, id })}\n`);
    });
  }

  /** The worker's process id while it runs (for diagnostics and tests). */
  get workerPid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the worker (it also ends by itself when this process does). */
  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.env)) if (v !== undefined && !DROPPED.test(k)) env[k] = v;
    const workerPath = this.options.workerPath ?? defaultWorkerPath();
    // Running the TypeScript source (tests): Node strips the types; keep its notice quiet.
    const execArgv = workerPath.endsWith('.ts') ? ['--disable-warning=ExperimentalWarning'] : [];
    // The worker runs on this very Node (core/ otherwise leaves process.* to Deps).
    const nodePath = this.options.nodePath ?? process.execPath;
    const child = spawn(nodePath, [...execArgv, workerPath], { env, stdio: ['pipe', 'pipe', 'ignore'], windowsHide: true });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.onData(chunk));
    child.on('error', (err) => this.fail(child, new KeychainFailure('failed', 'the keychain worker could not start', err.message)));
    child.on('exit', (code, signal) => {
      this.fail(child, new KeychainFailure('failed', 'the keychain worker ended unexpectedly', `exit ${code ?? signal}`));
    });
    child.stdin?.on('error', () => {});
    this.setRef(false);
    return child;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      let response: WorkerResponse;
      try {
        response = JSON.parse(line) as WorkerResponse;
      } catch {
        continue;
      }
      const waiting = this.pending.get(response.id);
      if (!waiting) continue;
      this.pending.delete(response.id);
      clearTimeout(waiting.timer);
      if (response.ok) waiting.resolve(response);
      else waiting.reject(classifyKeychainError(response.message, this.options.env));
    }
    if (this.pending.size === 0) this.setRef(false);
  }

  /** Kills the worker and fails every waiting call, and all later ones, with `failure`. */
  private kill(failure: KeychainFailure): void {
    this.broken = failure;
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
    this.rejectAll(failure);
  }

  private fail(child: ChildProcess, failure: KeychainFailure): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.rejectAll(failure);
  }

  private rejectAll(failure: KeychainFailure): void {
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(failure);
    }
    this.pending.clear();
  }

  /** The worker keeps this process alive only while a call waits for it. */
  private setRef(waiting: boolean): void {
    const child = this.child;
    if (!child) return;
    const handles = [child, child.stdout as Socket | null, child.stdin as Socket | null];
    for (const handle of handles) {
      if (!handle) continue;
      if (waiting) handle.ref?.();
      else handle.unref?.();
    }
  }
}
