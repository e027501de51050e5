/**
 * A small OAuth token server on 127.0.0.1:0 for the cases the emulator does not cover
 * (an issuer that accepts only client_secret_basic, a proxy in between). Real sockets, no mocks.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A running token server. */
export interface TokenServer {
  issuer: string;
  tokenRequests: number;
  /** Forms of the token requests, secrets redacted. */
  lastForms: Array<Record<string, string | string[]>>;
  lastAuthSchemes: string[];
  /** While true, token requests are counted in `hung` and never answered. */
  hang: boolean;
  hung: number;
  close(): Promise<void>;
}

/** Options of the token server. */
export interface TokenServerOptions {
  clientId: string;
  clientSecret: string;
  /** Advertise (and accept) only client_secret_basic. */
  basicOnly?: boolean;
  expiresIn?: number;
  /** Name another issuer in the discovery document. */
  claimIssuer?: string;
  /** Keep connections open (HTTP keep-alive) instead of closing them after each answer. */
  keepAlive?: boolean;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/** Starts the server. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  let counter = 0;
  const state: Omit<TokenServer, 'close' | 'issuer'> = { tokenRequests: 0, lastForms: [], lastAuthSchemes: [], hang: false, hung: 0 };
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(options.keepAlive ? {} : { connection: 'close' }) });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return send(200, {
        issuer: options.claimIssuer ?? server.issuer,
        token_endpoint: `${server.issuer}/token`,
        token_endpoint_auth_methods_supported: options.basicOnly ? ['client_secret_basic'] : ['client_secret_post', 'client_secret_basic'],
      });
    }
    if (req.url === '/token' && req.method === 'POST' && state.hang) {
      state.hung++;
      return;
    }
    if (req.url === '/token' && req.method === 'POST') {
      state.tokenRequests++;
      const params = new URLSearchParams(await readBody(req));
      const form: Record<string, string | string[]> = {};
      for (const k of new Set(params.keys())) form[k] = k === 'client_secret' ? '<redacted>' : params.getAll(k).length > 1 ? params.getAll(k) : (params.get(k) as string);
      state.lastForms.push(form);
      let id = params.get('client_id');
      let secret = params.get('client_secret');
      const auth = req.headers.authorization;
      state.lastAuthSchemes.push(auth ? auth.split(' ')[0] as string : 'none');
      if (auth?.startsWith('Basic ')) {
        const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' ')));
        id = u ?? null;
        secret = p ?? null;
      } else if (options.basicOnly) {
        return send(401, { error: 'invalid_client', error_description: 'basic only' });
      }
      if (id !== options.clientId || secret !== options.clientSecret) return send(401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
      counter++;
      return send(200, { access_token: `tok-${counter}-${Date.now()}`, token_type: 'Bearer', expires_in: options.expiresIn ?? 900, scope: params.get('scope') ?? '' });
    }
    send(404, { error: 'not_found' });
  };
  const server = (options.tls ? createTlsServer(options.tls, handler) : createServer(handler)) as ReturnType<typeof createServer> & { issuer: string };
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    issuer: server.issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as TokenServer;
}
