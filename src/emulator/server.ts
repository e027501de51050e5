import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.js';
import { BearerVerifier } from './auth.js';
import { handleDevicePage, handleInteraction } from './pages.js';
import { Faults, type FaultSpec } from './faults.js';
import { HttpError, sendError, sendJson } from './http.js';
import { ISSUER_PREFIX, Issuer } from './issuer.js';
import { loadSigningKey } from './keys.js';
import { handleManagement } from './management.js';
import { ensurePrivateDir } from './persist.js';
import { RateLimiter } from './rate-limit.js';
import { handleResources, handleUserinfo } from './resources.js';
import { defaultSettings } from './settings.js';
import { TokenStats } from './stats.js';
import { AccountStore } from './store.js';
import { UserDirectory } from './users.js';

/** How to start the emulator. */
export interface EmulatorOptions {
  host: string;
  port: number;
  /** Keep signing keys and accounts here (else everything is in memory). */
  dataDir?: string;
  /** Approve every device login (and authorization request) as the demo user. */
  autoApprove?: boolean;
  /** Faults armed at start (as `POST /__admin/faults` takes them). */
  faults?: FaultSpec[];
  /** Where unexpected server errors are reported (never secrets). */
  onError?: (message: string) => void;
}

/** The URLs of a running emulator. */
export interface EmulatorUrls {
  base: string;
  eunifyerIssuer: string;
  eunifyerApi: string;
  centraliIssuer: string;
}

/** A running emulator. */
export interface RunningEmulator extends EmulatorUrls {
  close(): Promise<void>;
}

let consoleFiltered = false;

/**
 * oidc-provider prints development notices through console.info/warn; the emulator is
 * configured not to need them (own keys, adapter, cookies, interactions), and any that
 * remain must not reach the user's console.
 */
function silenceProviderNotices(): void {
  if (consoleFiltered) return;
  consoleFiltered = true;
  for (const level of ['info', 'warn', 'log'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      original(...args);
    };
  }
}

/** The host to put in URLs: a wildcard address is reached through loopback. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the emulator of both API flavors on one port; resolves once it is listening. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  silenceProviderNotices();
  if (options.dataDir) await ensurePrivateDir(options.dataDir);
  const key = await loadSigningKey(options.dataDir);
  const accounts = await AccountStore.open(options.dataDir);
  const users = new UserDirectory();
  const settings = defaultSettings();
  const stats = new TokenStats();
  const faults = new Faults();
  for (const fault of options.faults ?? []) faults.add(fault);
  const rateLimiter = new RateLimiter(settings);

  let dispatch: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    sendJson(res, 503, { error: 'starting', message: 'the emulator is starting' });
  };
  const server = createServer((req, res) => {
    dispatch(req, res).catch((err: unknown) => {
      if (!(err instanceof HttpError)) options.onError?.(`emulator: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      sendError(res, err);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${hostForUrl(options.host)}:${port}`;

  const verifier = new BearerVerifier(
    key,
    { eunifyer: `${base}${ISSUER_PREFIX.eunifyer}`, centrali: `${base}${ISSUER_PREFIX.centrali}` },
    accounts,
  );
  const issuerContext = { base, key, accounts, users, settings, stats, verifier, autoApprove: Boolean(options.autoApprove) };
  const issuers = { eunifyer: new Issuer('eunifyer', issuerContext), centrali: new Issuer('centrali', issuerContext) };
  for (const issuer of Object.values(issuers)) {
    (issuer.provider as unknown as { silent: boolean }).silent = true;
    issuer.provider.on('server_error', (_ctx: unknown, err: Error) => options.onError?.(`emulator: ${err.stack ?? err.message}`));
  }
  const urls: EmulatorUrls = {
    base,
    eunifyerIssuer: issuers.eunifyer.issuer,
    eunifyerApi: base,
    centraliIssuer: issuers.centrali.issuer,
  };

  dispatch = async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (!url.pathname.startsWith('/__admin/')) {
      const fault = faults.take(url.pathname);
      if (fault && (await faults.play(fault, req, res))) return;
    }
    if (await handleAdmin({ issuers, stats, faults, settings, rateLimiter }, req, res, url)) return;
    if (await handleManagement({ accounts, verifier, rateLimiter }, req, res, url)) return;
    if (await handleResources(verifier, rateLimiter, req, res, url)) return;
    for (const issuer of Object.values(issuers)) {
      if (url.pathname !== issuer.prefix && !url.pathname.startsWith(`${issuer.prefix}/`)) continue;
      if (url.pathname === issuer.prefix + issuer.routes.userinfo) return handleUserinfo(verifier, users, issuer.flavor, req, res);
      if (await handleDevicePage(issuer, users, req, res, url)) return;
      if (await handleInteraction(issuer, users, Boolean(options.autoApprove), req, res, url)) return;
      issuer.handle(req, res);
      return;
    }
    if (url.pathname === '/' && req.method === 'GET') return sendJson(res, 200, urls);
    throw new HttpError(404, 'not_found', 'no such endpoint');
  };

  return {
    ...urls,
    close: () =>
      new Promise<void>((resolve) => {
        faults.closeHanging();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
