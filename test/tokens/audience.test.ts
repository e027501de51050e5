import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JWT, ciAccount, requestsOf, tokenFiles, withEmulator } from './helpers.js';
import { startTokenServer } from './token-server.js';

const t = withEmulator();

const cacheDir = () => t.sb.env.EUN_CACHE_DIR as string;
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString());

describe('audiences and resources', () => {
  it('two audiences: two cache entries, two mints, each request carrying its audience', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const a = await t.sb.run(['token', 'get', '--audience', 'https://api-a.example'], { env });
    const b = await t.sb.run(['token', 'get'], { env: { ...env, EUN_AUDIENCE: 'https://api-b.example' } });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stdout.trim()).toMatch(JWT);
    expect(b.stdout).not.toBe(a.stdout);
    expect(tokenFiles(cacheDir())).toHaveLength(2);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(2);
    const sent = (await t.emu.stats()).lastTokenRequests.filter((r) => r.clientId === sa.clientId);
    expect(sent.map((r) => r.audience)).toEqual(['https://api-a.example', 'https://api-b.example']);
    // The same audience from the flag or the variable is the same key: hits, no mint.
    expect((await t.sb.run(['token', 'get'], { env: { ...env, EUN_AUDIENCE: 'https://api-a.example' } })).stdout).toBe(a.stdout);
    expect((await t.sb.run(['token', 'get', '--audience', 'https://api-b.example'], { env })).stdout).toBe(b.stdout);
    // ...and no audience is a third key.
    const none = await t.sb.run(['token', 'get', '--json'], { env });
    expect(JSON.parse(none.stdout).source).toBe('minted');
    expect(tokenFiles(cacheDir())).toHaveLength(3);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(3);
    const keys = tokenFiles(cacheDir()).map((f) => JSON.parse(readFileSync(f, 'utf8')).key.audience ?? null);
    expect(keys.sort()).toEqual(['https://api-a.example', 'https://api-b.example', null]);
  });

  it('a resource is sent (RFC 8707) and keys the cache; the issuer puts it in the token', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const one = await t.sb.run(['token', 'get', '--resource', 'https://r1.example/'], { env });
    const two = await t.sb.run(['token', 'get'], { env: { ...env, EUN_RESOURCE: 'https://r2.example/' } });
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(claims(one.stdout.trim()).aud).toBe('https://r1.example/');
    expect(claims(two.stdout.trim()).aud).toBe('https://r2.example/');
    const sent = (await t.emu.stats()).lastTokenRequests.filter((r) => r.clientId === sa.clientId);
    expect(sent.map((r) => r.resource)).toEqual(['https://r1.example/', 'https://r2.example/']);
    expect((await t.sb.run(['token', 'get', '--resource', 'https://r2.example/'], { env })).stdout).toBe(two.stdout);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(2);
    const bad = await t.sb.run(['token', 'get', '--resource', 'not-a-uri'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid resource .*RFC 8707/);
  });

  it('repeated resources are all sent, in any order and form the same key', async () => {
    const issuer = await startTokenServer({ clientId: 'c1', clientSecret: 's1' });
    try {
      const env = { EUN_ISSUER: issuer.issuer, EUN_CLIENT_ID: 'c1', EUN_CLIENT_SECRET: 's1' };
      const a = await t.sb.run(['token', 'get', '--resource', 'https://b.example/', '--resource', 'https://a.example/', '--audience', 'aud-1'], { env });
      expect(a.code, a.stderr).toBe(0);
      expect(issuer.lastForms[0]).toMatchObject({ grant_type: 'client_credentials', audience: 'aud-1', resource: ['https://a.example/', 'https://b.example/'] });
      const b = await t.sb.run(['token', 'get'], { env: { ...env, EUN_RESOURCE: 'https://a.example/ https://b.example/', EUN_AUDIENCE: 'aud-1' } });
      expect(b.stdout).toBe(a.stdout);
      expect(issuer.tokenRequests).toBe(1);
      const c = await t.sb.run(['token', 'get', '--resource', 'https://a.example/', '--audience', 'aud-1'], { env });
      expect(c.stdout).not.toBe(a.stdout);
      expect(issuer.tokenRequests).toBe(2);
      expect(issuer.lastForms[1]?.resource).toBe('https://a.example/');
    } finally {
      await issuer.close();
    }
  });
});

describe('eun token get --exec-credential', () => {
  it('prints a client.authentication.k8s.io/v1 ExecCredential with the token and its RFC 3339 expiry', async () => {
    const { env } = await ciAccount(t.emu);
    const r = await t.sb.run(['token', 'get', '--exec-credential', '--audience', 'kubernetes'], { env: { ...env, KUBERNETES_EXEC_INFO: '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.endsWith('}\n')).toBe(true);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc).sort()).toEqual(['apiVersion', 'kind', 'status']);
    expect(doc.apiVersion).toBe('client.authentication.k8s.io/v1');
    expect(doc.kind).toBe('ExecCredential');
    expect(Object.keys(doc.status).sort()).toEqual(['expirationTimestamp', 'token']);
    expect(doc.status.token).toMatch(JWT);
    expect(doc.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/); // RFC 3339, as Go's time.Time parses it
    const [file] = tokenFiles(cacheDir());
    const cached = JSON.parse(readFileSync(file as string, 'utf8'));
    expect(doc.status.token).toBe(cached.accessToken);
    expect(Date.parse(doc.status.expirationTimestamp)).toBe(Math.floor(cached.expiresAt / 1000) * 1000);
    // Served from the cache the second time, the same document.
    const again = await t.sb.run(['token', 'get', '--exec-credential', '--audience', 'kubernetes'], { env });
    expect(again.stdout).toBe(r.stdout);
  });
});
