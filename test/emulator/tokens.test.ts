import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type Flavor } from '../helpers/emulator.js';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu?.stop();
});

interface Discovery {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  device_authorization_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  userinfo_endpoint: string;
  authorization_endpoint: string;
  token_endpoint_auth_methods_supported: string[];
  grant_types_supported: string[];
  code_challenge_methods_supported: string[];
}

async function discover(flavor: Flavor): Promise<Discovery> {
  const issuer = flavor === 'eunifyer' ? emu.eunifyer.issuer : emu.centrali.issuer;
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  return (await res.json()) as Discovery;
}

async function mint(
  flavor: Flavor,
  creds: { clientId: string; clientSecret: string },
  opts: { scope?: string; basic?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const endpoint = flavor === 'eunifyer' ? emu.eunifyer.tokenEndpoint : emu.centrali.tokenEndpoint;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (opts.basic) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', creds.clientId);
    form.set('client_secret', creds.clientSecret);
  }
  if (opts.scope) form.set('scope', opts.scope);
  const res = await fetch(endpoint, { method: 'POST', headers, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('discovery', () => {
  it('eunifyer has Keycloak’s endpoint layout under /realms/eunify', async () => {
    const d = await discover('eunifyer');
    const i = emu.eunifyer.issuer;
    expect(i).toBe(`${emu.base}/realms/eunify`);
    expect(d.issuer).toBe(i);
    expect(d.token_endpoint).toBe(`${i}/protocol/openid-connect/token`);
    expect(d.jwks_uri).toBe(`${i}/protocol/openid-connect/certs`);
    expect(d.device_authorization_endpoint).toBe(`${i}/protocol/openid-connect/auth/device`);
    expect(d.revocation_endpoint).toBe(`${i}/protocol/openid-connect/revoke`);
    expect(d.introspection_endpoint).toBe(`${i}/protocol/openid-connect/token/introspect`);
    expect(d.userinfo_endpoint).toBe(`${i}/protocol/openid-connect/userinfo`);
    expect(d.authorization_endpoint).toBe(`${i}/protocol/openid-connect/auth`);
    expect(d.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    expect(d.grant_types_supported).toEqual(
      expect.arrayContaining(['client_credentials', 'refresh_token', 'authorization_code', 'urn:ietf:params:oauth:grant-type:device_code']),
    );
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('centrali has its token endpoint at {issuer}/oidc/token', async () => {
    const d = await discover('centrali');
    expect(d.issuer).toBe(`${emu.base}/centrali`);
    expect(d.token_endpoint).toBe(`${emu.base}/centrali/oidc/token`);
    expect(d.device_authorization_endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/centrali\//);
  });
});

describe.each([
  ['eunifyer', 900, ['partner:orgs:read', 'partner:orgs:write'], 'partner:orgs:read partner:orgs:write'],
  ['centrali', 25200, undefined, 'openid'],
] as const)('client credentials (%s)', (flavor, lifetime, scopes, expectedScope) => {
  it('mints an RS256 JWT with the documented claims, verified against the JWKS, with both auth methods', async () => {
    const sa = await emu.createServiceAccount(flavor, { name: `ci-${flavor}`, ...(scopes ? { scopes: [...scopes] } : {}) });
    expect(sa.clientId).toMatch(/^ci_[a-z0-9]{20}$/);
    expect(sa.clientSecret).toMatch(/^sk_[0-9a-f]{64}$/);
    const d = await discover(flavor);
    const jwks = createRemoteJWKSet(new URL(d.jwks_uri));
    for (const basic of [false, true]) {
      const { status, body } = await mint(flavor, sa, { basic });
      expect(status).toBe(200);
      expect(body.token_type).toBe('Bearer');
      expect(body.expires_in).toBe(lifetime);
      expect(body.scope).toBe(expectedScope);
      expect(body.refresh_token).toBeUndefined();
      const token = String(body.access_token);
      expect(decodeProtectedHeader(token).alg).toBe('RS256');
      const { payload } = await jwtVerify(token, jwks, { issuer: d.issuer });
      expect(payload.sub).toBe(sa.clientId);
      expect(payload.isServiceAccount).toBe('true');
      expect(Array.isArray(payload.groups)).toBe(true);
      expect(payload.exp! - payload.iat!).toBe(lifetime);
      if (flavor === 'centrali') expect(payload.workspace).toBe('acme-corp');
      expect(payload.scope).toBe(expectedScope);
    }
    const stats = await emu.stats();
    const mine = stats.lastTokenRequests.filter((r) => r.clientId === sa.clientId);
    expect(mine.map((r) => r.authMethod)).toEqual(['client_secret_post', 'client_secret_basic']);
    expect(stats.tokenRequests.byClient[sa.clientId]).toBe(2);
    expect(JSON.stringify(stats)).not.toContain(sa.clientSecret);
  });

  it('refuses an unknown or ungranted scope with invalid_scope and a wrong secret with invalid_client', async () => {
    const sa = await emu.createServiceAccount(flavor, { name: `scopes-${flavor}`, ...(scopes ? { scopes: [scopes[0]] } : {}) });
    const unknown = await mint(flavor, sa, { scope: 'no:such:scope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_scope');
    const ungranted = await mint(flavor, sa, { scope: flavor === 'eunifyer' ? 'partner:orgs:write' : 'records:write' });
    expect(ungranted.body.error).toBe('invalid_scope');
    const wrong = await mint(flavor, { clientId: sa.clientId, clientSecret: `sk_${'0'.repeat(64)}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const nobody = await mint(flavor, { clientId: 'ci_nobodynobodynobody', clientSecret: sa.clientSecret });
    expect(nobody.body.error).toBe('invalid_client');
  });
});
