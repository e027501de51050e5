/**
 * A hostile server on loopback (the emulator validates what it stores, so it cannot play
 * this part): valid OIDC discovery and the eunifyer management API, but every string it
 * returns carries terminal escapes, and its ids try path traversal. Records every request
 * line, so tests can prove what reached it.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** ESC sequences a terminal would act on: colour, clear screen, set title (OSC … BEL), 8-bit CSI. */
export const EVIL = '\u001b[31mRED\u001b[2J\u001b]0;pwned\u0007\u009b1m';

/** The hostile server. */
export interface HostileServer {
  base: string;
  issuer: string;
  /** Every request as `METHOD raw-target` (and ` client_id=…` when its form names one). */
  requests: string[];
  close(): Promise<void>;
}

const ID = `sp_evil${EVIL}`;
/** Accounts a user can name in a REF: `plain` (its fields are hostile once fetched) and `trav` (its id climbs paths). */
const PLAIN = { id: 'sp_plain', clientId: 'ci_plain', name: 'plain' };
const TRAVERSAL = { id: '../../../__admin/faults?x=', clientId: 'ci_trav', name: 'trav' };

function account(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: ID,
    clientId: `ci_evil${EVIL}`,
    name: `bot${EVIL}`,
    description: `desc${EVIL}\nsecond line`,
    scopes: [`scope${EVIL}`],
    status: `active${EVIL}`,
    createdAt: `2026-01-01T00:00:00Z${EVIL}`,
    updatedAt: `2026-01-01T00:00:00Z${EVIL}`,
    ...extra,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Starts the hostile server on 127.0.0.1, port 0. */
export async function startHostileServer(): Promise<HostileServer> {
  const requests: string[] = [];
  let base = '';
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const client = /(?:^|&)client_id=([^&]*)/.exec(body)?.[1];
    requests.push(`${req.method} ${req.url}${client ? ` client_id=${client}` : ''}`);
    const path = (req.url ?? '/').split('?')[0]!;
    const issuer = `${base}/realms/eunify`;
    if (path === '/realms/eunify/.well-known/openid-configuration') {
      return send(res, 200, {
        issuer,
        token_endpoint: `${issuer}/protocol/openid-connect/token`,
        jwks_uri: `${issuer}/protocol/openid-connect/certs`,
        device_authorization_endpoint: `${issuer}/protocol/openid-connect/auth/device`,
        revocation_endpoint: `${issuer}/protocol/openid-connect/revoke`,
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        grant_types_supported: ['client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      });
    }
    if (path === '/realms/eunify/protocol/openid-connect/token') {
      // "forever" gets a lifetime no date can hold; "good" a "token" with escapes; others an error that has them.
      if (body.includes('client_id=forever')) return send(res, 200, { access_token: 'tok-forever', token_type: 'Bearer', expires_in: 1e300 });
      if (body.includes('client_id=good')) {
        return send(res, 200, { access_token: `tok${EVIL}`, token_type: `Bearer${EVIL}`, expires_in: 900, scope: `s${EVIL}` });
      }
      return send(res, 401, { error: `invalid_client${EVIL}`, error_description: `no such client${EVIL}` });
    }
    if (path === '/realms/eunify/protocol/openid-connect/auth/device') {
      // Login client "slow": a poll interval beyond any timer, and a code that lives 2 s.
      if (body.includes('client_id=slow')) return send(res, 200, { device_code: 'dc', user_code: 'SLOW', verification_uri: `${base}/device`, expires_in: 2, interval: 1e9 });
      return send(res, 200, {
        device_code: 'dc',
        user_code: `CODE${EVIL}`,
        verification_uri: `${base}/device${EVIL}`,
        verification_uri_complete: `${base}/device?code=${EVIL}`,
        expires_in: 2,
        interval: 1,
      });
    }
    if (path === '/realms/eunify/protocol/openid-connect/certs') return send(res, 200, { keys: [] });
    // API base /endless: full pages for ever; /badtime: times no Date can hold.
    if (path === '/endless/api/v1/developer/service-principals') {
      const query = new URL(req.url ?? '/', base).searchParams;
      const page = Number(query.get('page') ?? 1);
      const limit = Number(query.get('limit') ?? 20);
      const data = Array.from({ length: limit }, (_, i) => ({ id: `sp_${page}_${i}`, clientId: `ci_${page}_${i}`, name: `n${page}_${i}` }));
      return send(res, 200, { data, meta: { page, limit, total: 1e9 } });
    }
    if (path === '/badtime/api/v1/developer/service-principals') {
      return send(res, 200, { data: [{ ...PLAIN, createdAt: 1e300, updatedAt: -1e300 }], meta: { page: 1, limit: 20, total: 1 } });
    }
    const collection = '/api/v1/developer/service-principals';
    if (path === collection && req.method === 'GET') {
      return send(res, 200, { data: [account(), account(PLAIN), account(TRAVERSAL)], meta: { page: 1, limit: 20, total: 3 } }, { 'x-ratelimit-remaining': '1', 'x-ratelimit-limit': '100', 'x-ratelimit-reset': 'later; see https://evil.example' });
    }
    if (path === collection && req.method === 'POST') {
      return send(res, 201, account({ clientSecret: `sk_${'0'.repeat(64)}${EVIL}` }));
    }
    if (path.startsWith(`${collection}/`)) {
      if (path.endsWith('/rotate')) return send(res, 200, account({ clientSecret: `sk_${'1'.repeat(64)}\nINJECTED: line${EVIL}` }));
      if (path.endsWith('/tokens')) return send(res, 200, { data: [{ id: `t${EVIL}`, name: `pat${EVIL}`, scopes: [], createdAt: EVIL, expiresAt: EVIL }] });
      if (path === `${collection}/sp_plain`) return send(res, 200, account());
      return send(res, 404, { error: 'not_found', message: `Service account not found${EVIL}` });
    }
    send(res, 500, { error: `boom${EVIL}`, message: `internal${EVIL}` }, { 'retry-after': 'soon' });
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    issuer: `${base}/realms/eunify`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
