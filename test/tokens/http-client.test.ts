import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NetworkError, UsageError } from '../../src/core/errors.js';
import { createHttpClient, type RateLimitInfo } from '../../src/core/http/client.js';
import { DEFAULT_RETRY, backoffDelay, parseRetryAfter } from '../../src/core/http/retry.js';
import { parseDuration } from '../../src/core/tokens/duration.js';
import { Sandbox } from '../helpers/cli.js';
import { startTokenServer } from './token-server.js';
import { testDeps } from './helpers.js';

/** A loopback server answering with `answer`, counting requests. */
async function serve(answer: (n: number, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<{ url: string; count: () => number; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => answer(++n, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n, server };
}

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const servers: Server[] = [];
let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  sb.cleanup();
});

describe('HTTP client', () => {
  it('refuses plain http:// to a host that is not loopback, before any connection', async () => {
    const http = createHttpClient(testDeps({}));
    await expect(http.request({ url: 'http://auth.example.com/token', what: 'token request' })).rejects.toThrow(UsageError);
    await expect(http.request({ url: 'ftp://127.0.0.1/x' })).rejects.toThrow(/only https/);
  });

  it('calls the rate-limit hook when X-RateLimit-Remaining runs low', async () => {
    const s = await serve((n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': n === 1 ? '50' : '4' });
      res.end('{}');
    });
    servers.push(s.server);
    const seen: RateLimitInfo[] = [];
    const http = createHttpClient(testDeps({}), { onRateLimitLow: (info) => seen.push(info) });
    await http.request({ url: `${s.url}/a` });
    expect(seen).toHaveLength(0);
    await http.request({ url: `${s.url}/b` });
    await http.close();
    expect(seen).toEqual([{ host: new URL(s.url).host, remaining: 4, limit: 100 }]);
  });

  it('retries a POST only when the server surely did not process it', async () => {
    const s = await serve((n, _req, res) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '0' }).end();
      else res.writeHead(502).end('<html>bad gateway</html>');
    });
    servers.push(s.server);
    const http = createHttpClient(testDeps({}));
    const err = await http.request({ url: s.url, method: 'POST', json: { name: 'x' }, what: 'create' }).catch((e: unknown) => e);
    await http.close();
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/^create to 127\.0\.0\.1:\d+ failed: server error \(HTTP 502\) \(2 attempts/);
    expect(s.count()).toBe(2); // the 429 was retried, the 502 was not
  });

  it('goes through HTTP_PROXY, and around it for NO_PROXY hosts', async () => {
    const target = await serve((_n, _req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    // A forward proxy: absolute-form request lines, relayed with fetch.
    const proxy = await serve(async (_n, req, res) => {
      const upstream = await fetch(req.url as string);
      res.writeHead(upstream.status, { 'content-type': 'application/json', via: 'test-proxy' }).end(await upstream.text());
    });
    servers.push(target.server, proxy.server);
    const proxied = createHttpClient(testDeps({ HTTP_PROXY: proxy.url }));
    const res = await proxied.request({ url: `${target.url}/x` });
    await proxied.close();
    expect(res.headers.via).toBe('test-proxy');
    expect(res.json()).toEqual({ ok: true });
    expect(proxy.count()).toBe(1);
    const bypass = createHttpClient(testDeps({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }));
    await bypass.request({ url: `${target.url}/y` });
    await bypass.close();
    expect(proxy.count()).toBe(1);
    expect(target.count()).toBe(2);
  });

  it('backs off with full jitter within bounds, and reads Retry-After in both forms', () => {
    for (let retry = 0; retry < 8; retry++) {
      expect(backoffDelay(DEFAULT_RETRY, retry, () => 0.999)).toBeLessThan(Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** retry));
      expect(backoffDelay(DEFAULT_RETRY, retry, () => 0)).toBe(0);
    }
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseDuration('90s', 'x')).toBe(90_000);
    expect(parseDuration('1h30m', 'x')).toBe(5_400_000);
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('45', 'x')).toBe(45_000);
    expect(() => parseDuration('10 minutes', '--min-ttl')).toThrow(/--min-ttl/);
  });
});

describe('eun token get against other issuers', () => {
  it('uses client_secret_basic when discovery lists no client_secret_post', async () => {
    const issuer = await startTokenServer({ clientId: 'c1', clientSecret: 'p@ss word:1', basicOnly: true });
    try {
      const r = await sb.run(['token', 'get', '--scope', 'a b', '--audience', 'https://api.example', '--resource', 'https://r2.example', '--resource', 'https://r1.example'], {
        env: { EUN_ISSUER: issuer.issuer, EUN_CLIENT_ID: 'c1', EUN_CLIENT_SECRET: 'p@ss word:1' },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(issuer.lastAuthSchemes).toEqual(['Basic']);
      expect(issuer.lastForms[0]).toEqual({
        grant_type: 'client_credentials',
        scope: 'a b',
        audience: 'https://api.example',
        resource: ['https://r1.example', 'https://r2.example'],
      });
    } finally {
      await issuer.close();
    }
  });

  it('refuses a discovery document that names another issuer', async () => {
    const issuer = await startTokenServer({ clientId: 'c1', clientSecret: 's', claimIssuer: 'https://evil.example' });
    try {
      const r = await sb.run(['token', 'get'], { env: { EUN_ISSUER: issuer.issuer, EUN_CLIENT_ID: 'c1', EUN_CLIENT_SECRET: 's' } });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/names another issuer/);
      expect(issuer.tokenRequests).toBe(0);
    } finally {
      await issuer.close();
    }
  });

  it.skipIf(!hasOpenssl)('verifies TLS always, and trusts a private CA given by NODE_EXTRA_CA_CERTS', async () => {
    const dir = sb.dir;
    const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=eun test CA']);
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext']);
    const issuer = await startTokenServer({
      clientId: 'c1',
      clientSecret: 's',
      tls: { key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') },
    });
    try {
      const env = { EUN_ISSUER: issuer.issuer, EUN_CLIENT_ID: 'c1', EUN_CLIENT_SECRET: 's' };
      const untrusted = await sb.run(['token', 'get'], { env });
      expect(untrusted.code).toBe(5);
      expect(untrusted.stderr).toMatch(/TLS verification failed/);
      expect(untrusted.stderr).toMatch(/hint: .*NODE_EXTRA_CA_CERTS/);
      const trusted = await sb.run(['token', 'get'], { env: { ...env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') } });
      expect(trusted.code, trusted.stderr).toBe(0);
      expect(trusted.stdout).toMatch(/^tok-1-/);
    } finally {
      await issuer.close();
    }
  });

  it('exits promptly although the issuer keeps connections alive', async () => {
    const issuer = await startTokenServer({ clientId: 'c1', clientSecret: 's', keepAlive: true });
    try {
      const r = await sb.run(['token', 'get'], { env: { EUN_ISSUER: issuer.issuer, EUN_CLIENT_ID: 'c1', EUN_CLIENT_SECRET: 's' } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.ms).toBeLessThan(2500); // the server would hold an idle socket for 30 s
    } finally {
      await issuer.close();
    }
  });
});
