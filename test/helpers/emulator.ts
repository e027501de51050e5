import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { FaultSpec } from '../../src/emulator/faults.js';
import type { TokenStats } from '../../src/emulator/stats.js';
import { BIN } from './cli.js';

/** The two server flavors of API.md. */
export type Flavor = 'eunifyer' | 'centrali';

export type { FaultSpec };

/** Settings of `POST /__admin/settings`. */
export interface EmulatorSettings {
  tokenTtl?: { eunifyer?: number; centrali?: number };
  userTokenTtl?: number;
  /** Device flow poll interval, seconds (default 5). */
  deviceInterval?: number;
  tokenDelayMs?: number;
  rateLimit?: { limit: number; windowSeconds: number };
}

/** What `GET /__admin/stats` reports. */
export type EmulatorStats = ReturnType<TokenStats['toJSON']>;

/** A user token minted through the admin API. */
export interface UserToken {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type?: string;
  scope?: string;
}

/** Credentials of a service account made for a test (the secret is shown once). */
export interface TestServiceAccount {
  id: string | number;
  clientId: string;
  clientSecret: string;
}

/** A running `eun emulator start` child process. */
export interface Emulator {
  base: string;
  eunifyer: { issuer: string; api: string; tokenEndpoint: string };
  centrali: { issuer: string; workspace: 'acme-corp'; tokenEndpoint: string };
  /** A user token directly (eunifyer default scope `openid offline_access admin:access`; centrali workspace `acme-corp`). */
  userToken(flavor: Flavor, opts?: { workspace?: string; scope?: string; ttl?: number; sub?: string }): Promise<UserToken>;
  stats(): Promise<EmulatorStats>;
  resetStats(): Promise<void>;
  fault(spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  settings(s: EmulatorSettings): Promise<void>;
  /** Creates a service account over the management API, as the demo user. */
  createServiceAccount(flavor: Flavor, opts: { name: string; scopes?: string[]; workspace?: string }): Promise<TestServiceAccount>;
  /** What the emulator wrote on stderr so far. */
  stderr(): string;
  /** The child process (e.g. to send it a signal). */
  process: ChildProcess;
  /** SIGTERM, then wait for the process to exit. */
  stop(): Promise<void>;
}

/** Environment variables a child must not inherit (NODE_ENV=test makes oclif look for TypeScript sources). */
const DROP = /^(EUN_|XDG_|DEBUG$|NODE_ENV$|VITEST|NO_COLOR$|FORCE_COLOR$)/;

async function call<T>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`emulator ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Starts the real `eun emulator start --port 0 --json` as a child process and resolves once
 * it printed its URLs. Stop it with `stop()`.
 */
export async function startEmulator(opts: { autoApprove?: boolean; dataDir?: string; env?: Record<string, string> } = {}): Promise<Emulator> {
  const args = [BIN, 'emulator', 'start', '--port', '0', '--json'];
  if (opts.autoApprove) args.push('--auto-approve');
  if (opts.dataDir) args.push('--data-dir', opts.dataDir);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !DROP.test(k)) env[k] = v;
  Object.assign(env, opts.env ?? {});
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const urls = await new Promise<{ base: string; eunifyerIssuer: string; eunifyerApi: string; centraliIssuer: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emulator did not start within 15 s: ${stderr}`));
    }, 15_000);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      let parsed: { base?: string; error?: unknown } | undefined;
      try {
        parsed = JSON.parse(line) as { base?: string; error?: unknown };
      } catch {
        // reported below
      }
      if (parsed?.base) resolve(parsed as { base: string; eunifyerIssuer: string; eunifyerApi: string; centraliIssuer: string });
      else reject(new Error(`emulator did not start: ${line} ${stderr}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code}) before it was ready: ${stderr}`));
    });
  });
  const { base } = urls;
  const emulator: Emulator = {
    base,
    eunifyer: {
      issuer: urls.eunifyerIssuer,
      api: urls.eunifyerApi,
      tokenEndpoint: `${urls.eunifyerIssuer}/protocol/openid-connect/token`,
    },
    centrali: { issuer: urls.centraliIssuer, workspace: 'acme-corp', tokenEndpoint: `${urls.centraliIssuer}/oidc/token` },
    userToken: (flavor, o = {}) => call<UserToken>(base, 'POST', '/__admin/user-token', { flavor, ...o }),
    stats: () => call<EmulatorStats>(base, 'GET', '/__admin/stats'),
    resetStats: async () => void (await call(base, 'POST', '/__admin/stats/reset')),
    fault: async (spec) => void (await call(base, 'POST', '/__admin/faults', spec)),
    clearFaults: async () => void (await call(base, 'DELETE', '/__admin/faults')),
    settings: async (s) => void (await call(base, 'POST', '/__admin/settings', s)),
    createServiceAccount: async (flavor, o) => {
      const workspace = o.workspace ?? 'acme-corp';
      const { access_token } = await emulator.userToken(flavor, flavor === 'centrali' ? { workspace } : {});
      const auth = { authorization: `Bearer ${access_token}` };
      if (flavor === 'eunifyer') {
        return call<TestServiceAccount>(base, 'POST', '/api/v1/developer/service-principals', { name: o.name, scopes: o.scopes ?? [] }, auth);
      }
      const body = { name: o.name, ...(o.scopes ? { scope: o.scopes.join(' ') } : {}) };
      return call<TestServiceAccount>(base, 'POST', `/centrali/workspace/${encodeURIComponent(workspace)}/api/v1/service-accounts`, body, auth);
    },
    stderr: () => stderr,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  return emulator;
}

/** A JSON HTTP answer, for tests that check status, headers and body. */
export interface JsonAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends a request (JSON body when `body` is given) and parses a JSON answer (an empty one as `{}`). */
export async function jsonRequest<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
}

/** Mints a client-credentials token (client_secret_post, or HTTP Basic with `basic`). */
export function clientCredentials(
  emu: Emulator,
  flavor: Flavor,
  creds: { clientId: string; clientSecret: string },
  opts: { scope?: string; basic?: boolean } = {},
): Promise<JsonAnswer> {
  const endpoint = flavor === 'eunifyer' ? emu.eunifyer.tokenEndpoint : emu.centrali.tokenEndpoint;
  const form: Record<string, string> = { grant_type: 'client_credentials' };
  const headers: Record<string, string> = {};
  if (opts.basic) {
    const pair = `${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.client_id = creds.clientId;
    form.client_secret = creds.clientSecret;
  }
  if (opts.scope) form.scope = opts.scope;
  return jsonRequest(endpoint, { form, headers });
}
