import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentials, jsonRequest, startEmulator, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
let eunToken: string;
let cenToken: string;

beforeAll(async () => {
  emu = await startEmulator();
  eunToken = (await emu.userToken('eunifyer')).access_token;
  cenToken = (await emu.userToken('centrali')).access_token;
});

afterAll(async () => {
  await emu?.stop();
});

const sp = (path = '') => `${emu.base}/api/v1/developer/service-principals${path}`;
const sa = (path = '', workspace = 'acme-corp') => `${emu.base}/centrali/workspace/${workspace}/api/v1/service-accounts${path}`;

interface Page<T> {
  data: T[];
  meta: { page: number; limit: number; total: number };
}

describe('centrali service accounts (API.md §3)', () => {
  it('create, list, get, rename, describe, rotate, revoke, delete', async () => {
    const created = await jsonRequest(sa(), {
      token: cenToken,
      body: { name: 'Production API Client', description: 'Main', grant_types: ['client_credentials'], scope: 'openid' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    expect(Number.isInteger(id)).toBe(true);
    expect(Object.keys(created.body).slice(0, 3)).toEqual(['id', 'clientId', 'clientSecret']);
    expect(created.body).toMatchObject({
      name: 'Production API Client',
      description: 'Main',
      workspace: 'acme-corp',
      grant_types: ['client_credentials'],
      scope: 'openid',
      status: 'active',
      createdBy: 'user-demo',
    });
    expect(String(created.body.clientSecret)).toMatch(/^sk_[0-9a-f]{64}$/);
    expect(Date.parse(String(created.body.createdAt))).not.toBeNaN();

    const list = await jsonRequest<Page<Record<string, unknown>>>(sa(), { token: cenToken });
    expect(list.status).toBe(200);
    expect(list.body.data.some((a) => a.id === id)).toBe(true);
    expect(list.body.data.every((a) => !('clientSecret' in a))).toBe(true);

    const got = await jsonRequest(sa(`/${id}`), { token: cenToken });
    expect(got.body).toMatchObject({ id, clientId: created.body.clientId });
    expect('clientSecret' in got.body).toBe(false);

    const renamed = await jsonRequest(sa(`/${id}/name`), { method: 'PUT', token: cenToken, body: { name: 'Renamed' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Renamed');
    const described = await jsonRequest(sa(`/${id}/description`), { method: 'PUT', token: cenToken, body: { description: 'New text' } });
    expect(described.body.description).toBe('New text');

    const rotated = await jsonRequest(sa(`/${id}/rotate`), { method: 'POST', token: cenToken });
    expect(Object.keys(rotated.body).sort()).toEqual(['clientId', 'clientSecret', 'id', 'name', 'updatedAt', 'workspace']);

    const revoked = await jsonRequest(sa(`/${id}/revoke`), { method: 'POST', token: cenToken });
    expect(revoked.body.status).toBe('revoked');

    const deleted = await fetch(sa(`/${id}`), { method: 'DELETE', headers: { authorization: `Bearer ${cenToken}` } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    const gone = await jsonRequest(sa(`/${id}`), { token: cenToken });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: 'not_found', message: 'Service account not found' });
  });

  it('defaults grant_types and scope as the seed says', async () => {
    const created = await jsonRequest(sa(), { token: cenToken, body: { name: 'defaults' } });
    expect(created.body.grant_types).toEqual(['client_credentials']);
    expect(created.body.scope).toBe('openid');
  });

  it('answers 401 without a valid user token and 403 for another workspace or a service-account token', async () => {
    expect((await jsonRequest(sa())).status).toBe(401);
    expect((await jsonRequest(sa(), { token: 'garbage' })).status).toBe(401);
    expect((await jsonRequest(sa('', 'globex'), { token: cenToken })).status).toBe(403);
    const globex = (await emu.userToken('centrali', { workspace: 'globex' })).access_token;
    expect((await jsonRequest(sa('', 'globex'), { token: globex })).status).toBe(200);
    expect((await jsonRequest(sa(), { token: globex })).status).toBe(403);
    // An eunifyer token is not a centrali token.
    expect((await jsonRequest(sa(), { token: eunToken })).status).toBe(401);
    const account = await emu.createServiceAccount('centrali', { name: 'machine' });
    const machine = String((await clientCredentials(emu, 'centrali', account)).body.access_token);
    expect((await jsonRequest(sa(), { token: machine })).status).toBe(403);
  });

  it('expired user tokens get 401 "Token expired"', async () => {
    const short = (await emu.userToken('centrali', { ttl: 1 })).access_token;
    const { exp } = JSON.parse(Buffer.from(short.split('.')[1]!, 'base64url').toString()) as { exp: number };
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 50));
    const res = await jsonRequest(sa(), { token: short });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Token expired');
  });
});

describe('eunifyer service principals (API.md §4)', () => {
  it('create, list, get, update, rotate, revoke, delete, and PATs', async () => {
    const created = await jsonRequest(sp(), {
      token: eunToken,
      body: { name: 'MSP Provisioning Bot', description: 'bot', scopes: ['partner:orgs:write'] },
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(id).toMatch(/^sp_/);
    expect(created.body).toMatchObject({ name: 'MSP Provisioning Bot', description: 'bot', scopes: ['partner:orgs:write'], status: 'active' });
    expect(String(created.body.clientId)).toMatch(/^ci_[a-z0-9]{20}$/);
    expect(String(created.body.clientSecret)).toMatch(/^sk_[0-9a-f]{64}$/);

    const list = await jsonRequest<Page<Record<string, unknown>>>(sp(), { token: eunToken });
    expect(list.body.data.map((p) => p.id)).toContain(id);
    expect(list.body.meta).toMatchObject({ page: 1, limit: 20 });

    const got = await jsonRequest(sp(`/${id}`), { token: eunToken });
    expect(got.body.clientId).toBe(created.body.clientId);
    expect('clientSecret' in got.body).toBe(false);

    const patched = await jsonRequest(sp(`/${id}`), {
      method: 'PATCH',
      token: eunToken,
      body: { name: 'Bot 2', scopes: ['partner:orgs:read', 'partner:orgs:write'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Bot 2', description: 'bot', scopes: ['partner:orgs:read', 'partner:orgs:write'] });

    const pat = await jsonRequest(sp(`/${id}/tokens`), { token: eunToken, body: { name: 'prod-key-1', scopes: ['partner:orgs:write'] } });
    expect(pat.status).toBe(201);
    expect(Object.keys(pat.body).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'name', 'scopes', 'token']);
    const pats = await jsonRequest<Page<Record<string, unknown>>>(sp(`/${id}/tokens`), { token: eunToken });
    expect(pats.body.data).toHaveLength(1);
    expect('token' in pats.body.data[0]!).toBe(false);
    const patGone = await fetch(sp(`/${id}/tokens/${pat.body.id}`), { method: 'DELETE', headers: { authorization: `Bearer ${eunToken}` } });
    expect(patGone.status).toBe(204);
    expect((await jsonRequest(sp(`/${id}/tokens/${pat.body.id}`), { method: 'DELETE', token: eunToken })).status).toBe(404);

    const rotated = await jsonRequest(sp(`/${id}/rotate`), { method: 'POST', token: eunToken });
    expect(String(rotated.body.clientSecret)).toMatch(/^sk_[0-9a-f]{64}$/);
    expect((await jsonRequest(sp(`/${id}/revoke`), { method: 'POST', token: eunToken })).body.status).toBe('revoked');
    expect((await fetch(sp(`/${id}`), { method: 'DELETE', headers: { authorization: `Bearer ${eunToken}` } })).status).toBe(204);
    const gone = await jsonRequest(sp(`/${id}`), { token: eunToken });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: 'not_found', message: 'Service principal not found' });
  });

  it('needs admin:access; a PAT with admin:access is accepted', async () => {
    const plain = (await emu.userToken('eunifyer', { scope: 'openid offline_access' })).access_token;
    const refused = await jsonRequest(sp(), { token: plain });
    expect(refused.status).toBe(403);
    expect((await jsonRequest(sp())).status).toBe(401);
    const holder = await emu.createServiceAccount('eunifyer', { name: 'superadmin', scopes: ['admin:access'] });
    const pat = await jsonRequest(sp(`/${holder.id}/tokens`), { token: eunToken, body: { name: 'admin-pat', scopes: ['admin:access'] } });
    expect((await jsonRequest(sp(), { token: String(pat.body.token) })).status).toBe(200);
  });
});

describe('validation, pagination and limits', () => {
  it.each([
    [{}, /name is required/],
    [{ name: '' }, /name is required/],
    [{ name: 42 }, /name must be a string/],
    [{ name: 'x'.repeat(129) }, /at most 128/],
    [{ name: 'bad\u0007name' }, /printable/],
    [{ name: 'ok', scopes: ['no:such'] }, /unknown scope/],
  ])('refuses %j with 400 and a reason', async (body, reason) => {
    const res = await jsonRequest(sp(), { token: eunToken, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_error');
    expect(String(res.body.message)).toMatch(reason);
  });

  it('accepts a 128-character name and refuses centrali payloads that break the seed', async () => {
    const long = await jsonRequest(sa(), { token: cenToken, body: { name: 'y'.repeat(128) } });
    expect(long.status).toBe(201);
    expect((await jsonRequest(sa(), { token: cenToken, body: { name: 'x', grant_types: ['password'] } })).status).toBe(400);
    expect((await jsonRequest(sa(), { token: cenToken, body: { name: 'x', scope: 'no:such' } })).status).toBe(400);
    expect((await jsonRequest(sa(`/${long.body.id}/name`), { method: 'PUT', token: cenToken, body: {} })).status).toBe(400);
  });

  it('answers malformed JSON with 400 and oversize bodies with 413', async () => {
    const bad = await jsonRequest(sp(), { token: eunToken, body: '{"name": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_json');
    const array = await jsonRequest(sp(), { token: eunToken, body: '[1]' });
    expect(array.status).toBe(400);
    const huge = await jsonRequest(sp(), { token: eunToken, body: { name: 'big', description: 'z'.repeat(200_000) } });
    expect(huge.status).toBe(413);
  });

  it('paginates with page and limit, reporting meta.total', async () => {
    const workspace = 'paging';
    const token = (await emu.userToken('centrali', { workspace })).access_token;
    for (let i = 1; i <= 5; i++) {
      expect((await jsonRequest(sa('', workspace), { token, body: { name: `acct-${i}` } })).status).toBe(201);
    }
    const p2 = await jsonRequest<Page<{ name: string }>>(sa('?page=2&limit=2', workspace), { token });
    expect(p2.body.meta).toEqual({ page: 2, limit: 2, total: 5 });
    expect(p2.body.data.map((a) => a.name)).toEqual(['acct-3', 'acct-4']);
    const p3 = await jsonRequest<Page<{ name: string }>>(sa('?page=3&limit=2', workspace), { token });
    expect(p3.body.data.map((a) => a.name)).toEqual(['acct-5']);
    const past = await jsonRequest<Page<unknown>>(sa('?page=9&limit=2', workspace), { token });
    expect(past.body.data).toEqual([]);
    expect((await jsonRequest(sa('?limit=0', workspace), { token })).status).toBe(400);
    expect((await jsonRequest(sa('?page=abc', workspace), { token })).status).toBe(400);
    expect((await jsonRequest(sa('?limit=101', workspace), { token })).status).toBe(400);
  });

  it('sends X-RateLimit-* headers and a 429 with Retry-After once the bucket is empty', async () => {
    await emu.settings({ rateLimit: { limit: 3, windowSeconds: 30 } });
    try {
      const seen: Array<string | null> = [];
      for (let i = 0; i < 3; i++) {
        const res = await jsonRequest(sp(), { token: eunToken });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit')).toBe('3');
        expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
        seen.push(res.headers.get('x-ratelimit-remaining'));
      }
      expect(seen).toEqual(['2', '1', '0']);
      const limited = await jsonRequest(sp(), { token: eunToken });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Service accounts share the org's bucket: the resource API is limited too.
      expect((await jsonRequest(`${emu.base}/api/v1/partner/orgs`, { token: eunToken })).status).toBe(429);
      // Another centrali workspace has its own bucket.
      expect((await jsonRequest(sa(), { token: cenToken })).status).toBe(200);
    } finally {
      await emu.settings({ rateLimit: { limit: 1000, windowSeconds: 60 } });
    }
    expect((await jsonRequest(sp(), { token: eunToken })).status).toBe(200);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await jsonRequest(`${emu.base}/api/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });
});
