import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRequest, startEmulator, type Emulator, type Flavor } from '../helpers/emulator.js';

let auto: Emulator;
let manual: Emulator;

beforeAll(async () => {
  [auto, manual] = await Promise.all([startEmulator({ autoApprove: true }), startEmulator()]);
});

afterAll(async () => {
  await Promise.all([auto?.stop(), manual?.stop()]);
});

interface Discovery {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  device_authorization_endpoint: string;
  authorization_endpoint: string;
  revocation_endpoint: string;
  userinfo_endpoint: string;
}

async function discover(emu: Emulator, flavor: Flavor): Promise<Discovery> {
  const issuer = flavor === 'eunifyer' ? emu.eunifyer.issuer : emu.centrali.issuer;
  return (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Discovery;
}

const SCOPE: Record<Flavor, string> = { eunifyer: 'openid offline_access admin:access', centrali: 'openid offline_access' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function startDeviceLogin(d: Discovery, flavor: Flavor) {
  const res = await jsonRequest<{ device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string }>(
    d.device_authorization_endpoint,
    { form: { client_id: 'eun-cli', scope: SCOPE[flavor] } },
  );
  expect(res.status).toBe(200);
  expect((res.body as { interval?: number }).interval).toBe(5);
  return res.body;
}

function poll(d: Discovery, deviceCode: string) {
  return jsonRequest(d.token_endpoint, { form: { client_id: 'eun-cli', grant_type: DEVICE_GRANT, device_code: deviceCode } });
}

describe.each(['eunifyer', 'centrali'] as const)('user login (%s)', (flavor) => {
  it('device flow with --auto-approve: tokens at the first poll, a refresh, a revoke', async () => {
    const d = await discover(auto, flavor);
    const device = await startDeviceLogin(d, flavor);
    expect(device.verification_uri).toBe(flavor === 'eunifyer' ? `${d.issuer}/device` : `${d.issuer}/oidc/device`);
    const tokens = await poll(d, device.device_code);
    expect(tokens.status).toBe(200);
    expect(String(tokens.body.refresh_token).length).toBeGreaterThan(20);
    const { payload } = await jwtVerify(String(tokens.body.access_token), createRemoteJWKSet(new URL(d.jwks_uri)), { issuer: d.issuer });
    expect(payload.sub).toBe('user-demo');
    expect(payload.isServiceAccount).toBe('false');
    if (flavor === 'eunifyer') expect(String(payload.scope).split(' ')).toContain('admin:access');
    else expect(payload.workspace).toBe('acme-corp');

    const info = await jsonRequest(d.userinfo_endpoint, { token: String(tokens.body.access_token) });
    expect(info.status).toBe(200);
    expect(info.body.preferred_username).toBe('demo');

    const refreshed = await jsonRequest(d.token_endpoint, {
      form: { client_id: 'eun-cli', grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) },
    });
    expect(refreshed.status).toBe(200);
    expect(typeof refreshed.body.access_token).toBe('string');
    const latest = String(refreshed.body.refresh_token ?? tokens.body.refresh_token);

    const revoked = await fetch(d.revocation_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'eun-cli', token: latest, token_type_hint: 'refresh_token' }),
    });
    expect(revoked.status).toBe(200);
    const after = await jsonRequest(d.token_endpoint, { form: { client_id: 'eun-cli', grant_type: 'refresh_token', refresh_token: latest } });
    expect(after.body.error).toBe('invalid_grant');
  });

  it('device flow approved on the verification page (form POST): pending, then tokens; deny and bad password', async () => {
    const d = await discover(manual, flavor);
    const device = await startDeviceLogin(d, flavor);
    const pending = await poll(d, device.device_code);
    expect(pending.body.error).toBe('authorization_pending');

    const page = await fetch(device.verification_uri_complete);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('name="password"');
    expect(html).toContain(device.user_code);
    const formToken = () => /name="form_token" value="([0-9a-f]+)"/.exec(html)?.[1] ?? '';
    const submit = (fields: Record<string, string>, token: string) =>
      fetch(device.verification_uri, { method: 'POST', body: new URLSearchParams({ form_token: token, user_code: device.user_code, ...fields }) });

    const wrong = await submit({ username: 'demo', password: 'nope', action: 'approve' }, formToken());
    expect(wrong.status).toBe(401);
    const retryHtml = await wrong.text();
    expect(retryHtml).toMatch(/Wrong username or password/);
    const retryToken = /name="form_token" value="([0-9a-f]+)"/.exec(retryHtml)?.[1] ?? '';
    const ok = await submit({ username: 'demo', password: 'demo', action: 'approve' }, retryToken);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/Device approved/);
    const tokens = await poll(d, device.device_code);
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.access_token).toBe('string');

    const second = await startDeviceLogin(d, flavor);
    const secondHtml = await (await fetch(second.verification_uri_complete)).text();
    const denyToken = /name="form_token" value="([0-9a-f]+)"/.exec(secondHtml)?.[1] ?? '';
    const denied = await fetch(second.verification_uri, {
      method: 'POST',
      body: new URLSearchParams({ form_token: denyToken, user_code: second.user_code, action: 'deny' }),
    });
    expect(await denied.text()).toMatch(/denied/);
    expect((await poll(d, second.device_code)).body.error).toBe('access_denied');
  });

  it.each([
    ['auto-approve', true],
    ['the sign-in form', false],
  ] as const)('authorization code + PKCE with a loopback redirect on any port (%s)', async (_label, automatic) => {
    const emu = automatic ? auto : manual;
    const d = await discover(emu, flavor);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirect = `http://127.0.0.1:${40000 + Math.floor(Math.random() * 20000)}/callback`;
    let url = `${d.authorization_endpoint}?${new URLSearchParams({
      client_id: 'eun-cli',
      response_type: 'code',
      redirect_uri: redirect,
      scope: SCOPE[flavor],
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st4te',
    })}`;
    const cookies = new Map<string, string>();
    let formPosted = false;
    for (let hop = 0; hop < 12 && !url.startsWith(redirect); hop++) {
      const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      let res = await fetch(url, { redirect: 'manual', headers: { cookie } });
      if (res.status === 200) {
        // The sign-in page: post the demo user's credentials with Approve.
        const html = await res.text();
        expect(html).toContain('name="password"');
        const formToken = /name="form_token" value="([0-9a-f]+)"/.exec(html)?.[1] ?? '';
        res = await fetch(url, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie },
          body: new URLSearchParams({ form_token: formToken, username: 'demo', password: 'demo', action: 'approve' }),
        });
        formPosted = true;
      }
      for (const c of res.headers.getSetCookie()) {
        const [pair = ''] = c.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = res.headers.get('location');
      expect(location, `hop ${hop} answered ${res.status}`).toBeTruthy();
      url = new URL(location!, url).href;
    }
    expect(formPosted).toBe(!automatic);
    const back = new URL(url);
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code');
    expect(code).toBeTruthy();
    const tokens = await jsonRequest(d.token_endpoint, {
      form: { client_id: 'eun-cli', grant_type: 'authorization_code', code: code!, redirect_uri: redirect, code_verifier: verifier },
    });
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.refresh_token).toBe('string');
    const { payload } = await jwtVerify(String(tokens.body.access_token), createRemoteJWKSet(new URL(d.jwks_uri)), { issuer: d.issuer });
    expect(payload.sub).toBe('user-demo');
    if (flavor === 'eunifyer') expect(String(payload.scope).split(' ')).toContain('admin:access');
    // A wrong verifier is refused (PKCE is enforced).
    const replay = await jsonRequest(d.token_endpoint, {
      form: { client_id: 'eun-cli', grant_type: 'authorization_code', code: code!, redirect_uri: redirect, code_verifier: 'x'.repeat(43) },
    });
    expect(replay.body.error).toBe('invalid_grant');
  });
});

describe('admin user tokens', () => {
  it('eunifyer: scope admin:access by default, and its refresh token works', async () => {
    const t = await manual.userToken('eunifyer');
    expect(t.expires_in).toBe(900);
    const d = await discover(manual, 'eunifyer');
    const { payload } = await jwtVerify(t.access_token, createRemoteJWKSet(new URL(d.jwks_uri)), { issuer: d.issuer });
    expect(String(payload.scope).split(' ')).toContain('admin:access');
    const refreshed = await jsonRequest(d.token_endpoint, { form: { client_id: 'eun-cli', grant_type: 'refresh_token', refresh_token: t.refresh_token! } });
    expect(refreshed.status).toBe(200);
  });

  it('centrali: workspace acme-corp by default, another on request; ttl and unknown scope', async () => {
    const d = await discover(manual, 'centrali');
    const jwks = createRemoteJWKSet(new URL(d.jwks_uri));
    const def = await manual.userToken('centrali');
    expect((await jwtVerify(def.access_token, jwks)).payload.workspace).toBe('acme-corp');
    const other = await manual.userToken('centrali', { workspace: 'globex', ttl: 60 });
    const { payload } = await jwtVerify(other.access_token, jwks);
    expect(payload.workspace).toBe('globex');
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(other.expires_in).toBe(60);
    await expect(manual.userToken('centrali', { scope: 'openid bogus' })).rejects.toThrow(/400/);
  });
});
