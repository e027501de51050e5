/**
 * A recording reverse proxy on loopback: forwards every request to `target` as it came
 * (raw path, method, headers, body) and records what it saw and what the target answered.
 * Plain HTTP, or HTTPS with a given key and certificate (to put TLS in front of the emulator).
 * Also: tinyproxy, a real HTTP CONNECT proxy, started with a temp config.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  method: string;
  /** The request target exactly as the client sent it. */
  path: string;
  status?: number;
  /** The first 200 characters of the answer's body. */
  answer?: string;
  /** When the whole answer was handed to the client's connection (ms since the epoch). */
  answeredAt?: number;
}

/** A running proxy. */
export interface ReverseProxy {
  /** `http://127.0.0.1:PORT` or `https://localhost:PORT`. */
  url: string;
  port: number;
  requests: ProxiedRequest[];
  /** TLS handshakes that failed (the client refused the certificate). */
  tlsFailures: number;
  close(): Promise<void>;
}

/** Starts a reverse proxy to `target` (an origin such as `http://127.0.0.1:1234`). */
export async function startReverseProxy(target: string, tls?: { key: string; cert: string }): Promise<ReverseProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const record: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    requests.push(record);
    const headers = { ...req.headers, host: upstream.host };
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let seen = '';
        answer.on('data', (chunk: Buffer) => {
          if (seen.length < 200) seen += chunk.toString('utf8', 0, 200);
          record.answer = seen.slice(0, 200);
        });
        answer.pipe(res);
        res.on('finish', () => (record.answeredAt = Date.now()));
        // The target cut the answer short: cut ours too, so the client sees what it would have.
        answer.on('aborted', () => res.destroy());
        answer.on('error', () => res.destroy());
      },
    );
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  };
  const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  let tlsFailures = 0;
  server.on('tlsClientError', () => tlsFailures++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    port,
    requests,
    get tlsFailures() {
      return tlsFailures;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A running tinyproxy (Debian's HTTP CONNECT proxy) on loopback. */
export interface Tinyproxy {
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  /** Its log so far (one line per request or CONNECT). */
  log(): string;
  stop(): Promise<void>;
}

/** A free loopback port (closed again; tinyproxy takes it a moment later). */
async function freePort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts tinyproxy in the foreground on a free loopback port with a temp config (plus
 * `extraConfig` lines); resolves once it accepts connections.
 */
export async function startTinyproxy(extraConfig: string[] = []): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'eun-tinyproxy-'));
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  // No ConnectPort line (unless in extraConfig): CONNECT to any port (the TLS server is on a random one).
  writeFileSync(
    join(dir, 'tinyproxy.conf'),
    [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 30', `LogFile "${logFile}"`, 'LogLevel Connect', 'MaxClients 50', 'Allow 127.0.0.1', `PidFile "${join(dir, 'tinyproxy.pid')}"`, ...extraConfig, ''].join('\n'),
  );
  const child = spawn('tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('tinyproxy did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
