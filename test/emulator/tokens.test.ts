import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentials, jsonRequest, startEmulator, type Emulator, type Flavor } from '../helpers/emulator.js';

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

function mint(flavor: Flavor, creds: { clientId: string; clientSecret: string }, opts: { scope?: string; basic?: boolean } = {}) {
  return clientCredentials(emu, flavor, creds, opts);
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
    if (flavor === 'centrali') expect(wrong.body.error_description).toBe('Invalid client credentials');
    const nobody = await mint(flavor, { clientId: 'ci_nobodynobodynobody', clientSecret: sa.clientSecret });
    expect(nobody.body.error).toBe('invalid_client');
  });
});

describe.each(['eunifyer', 'centrali'] as const)('account lifecycle against tokens and resources (%s)', (flavor) => {
  const scopes = flavor === 'eunifyer' ? ['partner:orgs:read'] : undefined;

  function accountUrl(id: string | number, action = ''): string {
    const path =
      flavor === 'eunifyer'
        ? `/api/v1/developer/service-principals/${id}`
        : `/centrali/workspace/acme-corp/api/v1/service-accounts/${id}`;
    return `${emu.base}${path}${action}`;
  }

  function resource(token: string) {
    const url =
      flavor === 'eunifyer' ? `${emu.base}/api/v1/partner/orgs` : `${emu.base}/centrali/workspace/acme-corp/api/v1/structures`;
    return jsonRequest(url, { token });
  }

  async function adminToken(): Promise<string> {
    return (await emu.userToken(flavor)).access_token;
  }

  it('rotation kills the old secret on the very next request, and the resource API rejects older tokens', async () => {
    const sa = await emu.createServiceAccount(flavor, { name: 'rotating', ...(scopes ? { scopes } : {}) });
    const before = await mint(flavor, sa);
    const oldToken = String(before.body.access_token);
    expect((await resource(oldToken)).status).toBe(200);

    const rotated = await jsonRequest(accountUrl(sa.id, '/rotate'), { method: 'POST', token: await adminToken() });
    expect(rotated.status).toBe(200);
    const newSecret = String(rotated.body.clientSecret);
    expect(newSecret).toMatch(/^sk_[0-9a-f]{64}$/);
    expect(newSecret === sa.clientSecret).toBe(false);
    expect(rotated.body.clientId).toBe(sa.clientId);

    const stale = await mint(flavor, sa);
    expect(stale.status).toBe(401);
    expect(stale.body.error).toBe('invalid_client');
    const staleUse = await resource(oldToken);
    expect(staleUse.status).toBe(401);
    expect(String(staleUse.body.message)).toMatch(/rotated/);

    const fresh = await mint(flavor, { clientId: sa.clientId, clientSecret: newSecret }, { basic: true });
    expect(fresh.status).toBe(200);
    expect((await resource(String(fresh.body.access_token))).status).toBe(200);
  });

  it('a revoked account cannot mint, and its tokens stop working; a deleted one is gone', async () => {
    const admin = await adminToken();
    const sa = await emu.createServiceAccount(flavor, { name: 'doomed', ...(scopes ? { scopes } : {}) });
    const token = String((await mint(flavor, sa)).body.access_token);
    const revoked = await jsonRequest(accountUrl(sa.id, '/revoke'), { method: 'POST', token: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await mint(flavor, sa)).body.error).toBe('invalid_client');
    expect((await resource(token)).status).toBe(401);

    const other = await emu.createServiceAccount(flavor, { name: 'deleted', ...(scopes ? { scopes } : {}) });
    const otherToken = String((await mint(flavor, other)).body.access_token);
    const deleted = await fetch(accountUrl(other.id), { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(deleted.status).toBe(204);
    expect((await mint(flavor, other)).body.error).toBe('invalid_client');
    expect((await resource(otherToken)).status).toBe(401);
    expect((await jsonRequest(accountUrl(other.id), { token: admin })).status).toBe(404);
  });
});

describe('resource endpoints', () => {
  it('partner/orgs needs partner:orgs:read; structures need the matching workspace', async () => {
    const noScope = await emu.createServiceAccount('eunifyer', { name: 'no-orgs', scopes: ['drive:read'] });
    const token = String((await mint('eunifyer', noScope)).body.access_token);
    const refused = await jsonRequest(`${emu.base}/api/v1/partner/orgs`, { token });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');
    expect((await jsonRequest(`${emu.base}/api/v1/partner/orgs`)).status).toBe(401);
    expect((await jsonRequest(`${emu.base}/api/v1/partner/orgs`, { token: 'not.a.jwt' })).status).toBe(401);

    const sa = await emu.createServiceAccount('centrali', { name: 'structures' });
    const ct = String((await mint('centrali', sa)).body.access_token);
    const ok = await jsonRequest<{ data: unknown[]; meta: { total: number } }>(`${emu.base}/centrali/workspace/acme-corp/api/v1/structures`, { token: ct });
    expect(ok.status).toBe(200);
    expect(ok.body.meta.total).toBe(ok.body.data.length);
    expect((await jsonRequest(`${emu.base}/centrali/workspace/globex/api/v1/structures`, { token: ct })).status).toBe(403);
    // A centrali token is not valid on the eunifyer API (other issuer).
    expect((await jsonRequest(`${emu.base}/api/v1/partner/orgs`, { token: ct })).status).toBe(401);
  });

  it('a PAT of a service principal works as a bearer token until it is deleted', async () => {
    const admin = (await emu.userToken('eunifyer')).access_token;
    const sp = await emu.createServiceAccount('eunifyer', { name: 'pat-holder', scopes: ['partner:orgs:read'] });
    const created = await jsonRequest(`${emu.base}/api/v1/developer/service-principals/${sp.id}/tokens`, {
      token: admin,
      body: { name: 'prod-key-1', scopes: ['partner:orgs:read'] },
    });
    expect(created.status).toBe(201);
    const pat = String(created.body.token);
    expect(pat).toMatch(/^pat_[0-9a-f]{64}$/);
    expect((await jsonRequest(`${emu.base}/api/v1/partner/orgs`, { token: pat })).status).toBe(200);
    const del = await fetch(`${emu.base}/api/v1/developer/service-principals/${sp.id}/tokens/${created.body.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(del.status).toBe(204);
    expect((await jsonRequest(`${emu.base}/api/v1/partner/orgs`, { token: pat })).status).toBe(401);
  });
});

describe('settings', () => {
  it('changes the client-credentials lifetime of one flavor', async () => {
    const sa = await emu.createServiceAccount('centrali', { name: 'short-lived' });
    await emu.settings({ tokenTtl: { centrali: 30 } });
    try {
      expect((await mint('centrali', sa)).body.expires_in).toBe(30);
    } finally {
      await emu.settings({ tokenTtl: { centrali: 25200 } });
    }
    expect((await mint('centrali', sa)).body.expires_in).toBe(25200);
  });
});

describe('introspection (RFC 7662)', () => {
  it('reports a JWT access token active until its account’s secret is rotated', async () => {
    const sa = await emu.createServiceAccount('centrali', { name: 'introspected' });
    const token = String((await mint('centrali', sa)).body.access_token);
    const introspect = (secret: string) =>
      jsonRequest(`${emu.centrali.issuer}/oidc/token/introspection`, {
        form: { token, client_id: sa.clientId, client_secret: secret },
      });
    const active = await introspect(sa.clientSecret);
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ active: true, sub: sa.clientId, workspace: 'acme-corp', token_type: 'Bearer' });

    const admin = (await emu.userToken('centrali')).access_token;
    const rotated = await jsonRequest(`${emu.base}/centrali/workspace/acme-corp/api/v1/service-accounts/${sa.id}/rotate`, {
      method: 'POST',
      token: admin,
    });
    expect((await introspect(sa.clientSecret)).status).toBe(401);
    const after = await introspect(String(rotated.body.clientSecret));
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ active: false });
  });
});
