/**
 * A recording reverse proxy on loopback: forwards every request to `target` as it came
 * (raw path, method, headers, body) and records what it saw and what the target answered.
 * Plain HTTP, or HTTPS with a given key and certificate (to put TLS in front of the emulator).
 */
import { type IncomingMessage, type ServerResponse, createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  method: string;
  /** The request target exactly as the client sent it. */
  path: string;
  status?: number;
  /** The first 200 characters of the answer's body. */
  answer?: string;
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
