import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Sandbox } from '../helpers/cli.js';
import { type Emulator, startEmulator } from '../helpers/emulator.js';
import { JWT, approveDevice, browserLogin, expectNoToken, sessionSandbox, startUntil, storedSession } from './session-helpers.js';

let emu: Emulator;
let sb: Sandbox;
beforeAll(async () => {
  emu = await startEmulator();
  // The emulator's default is RFC 8628's 5 s; a second keeps these tests quick.
  await emu.settings({ deviceInterval: 1 });
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(async () => {
  sb = sessionSandbox(emu);
});
afterEach(() => sb.cleanup());

const CODE_URL = /Open this URL in a browser: (\S+)/;

describe('eun login (device flow)', () => {
  test('shows a code and URL on stderr, and stores the session once the user approves in the browser', async () => {
    const login = await startUntil(sb, ['login'], CODE_URL);
    expect(login.stderr()).toMatch(/one-time code: [A-Z]{4}-[A-Z]{4}/);
    const url = login.match[1]!;
    expect(url).toContain(`${emu.eunifyer.issuer}/device?user_code=`);
    expect(await approveDevice(url)).toContain('Signed in');
    const r = await login.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Logged in to profile local as demo \(store: .*secrets\.json\)/);

    const session = storedSession(sb, emu)!;
    expect(session.accessToken).toMatch(JWT);
    expect(typeof session.refreshToken).toBe('string');
    expect(Date.parse(String(session.expiresAt))).toBeGreaterThan(Date.now());
    expect(session).toMatchObject({ subject: 'user-demo', username: 'demo', clientId: 'eun-cli', method: 'device' });
    expect(String(session.scope).split(' ')).toContain('admin:access');
    expectNoToken(r.stdout + r.stderr, session.refreshToken as string);

    const who = await sb.run(['whoami']);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout).toMatch(/^user +demo \(user-demo\)$/m);
    expect(who.stdout).toMatch(/^profile +local \(eunifyer\)$/m);
    expect(who.stdout).toMatch(/^expires +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(in 1[45]m\)$/m);
    expect(who.stdout).toMatch(/^session +.*secrets\.json \(file store\)$/m);
    expectNoToken(who.stdout + who.stderr, session.refreshToken as string);
  });

  test('opens $BROWSER on the verification URL (when asked), and --no-browser never does', async () => {
    const opened = join(sb.dir, 'opened.txt');
    const browser = join(sb.dir, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
    const skipped = await startUntil(sb, ['login', '--no-browser'], CODE_URL, { env: { BROWSER: browser } });
    skipped.child.kill('SIGINT');
    expect((await skipped.result).code).toBe(130);
    expect(existsSync(opened)).toBe(false);

    const login = await startUntil(sb, ['login'], /Opening (\S+) in your browser/, { env: { BROWSER: browser } });
    await vi.waitFor(() => expect(existsSync(opened)).toBe(true));
    const url = readFileSync(opened, 'utf8');
    expect(url).toBe(login.match[1]);
    expect(await approveDevice(url)).toContain('Signed in');
    expect((await login.result).code).toBe(0);
  });

  test('a denied login exits 4 and stores nothing', async () => {
    const login = await startUntil(sb, ['login'], CODE_URL);
    expect(await approveDevice(login.match[1]!, 'deny')).toContain('denied');
    const r = await login.result;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/eun: the login was denied/);
    expect(storedSession(sb, emu)).toBeUndefined();
  });

  test('Ctrl-C while waiting for approval exits 130 at once', async () => {
    const login = await startUntil(sb, ['login'], /Waiting for approval/);
    const sent = Date.now();
    login.child.kill('SIGINT');
    const r = await login.result;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/eun: cancelled/);
    expect(Date.now() - sent).toBeLessThan(2500);
    expect(storedSession(sb, emu)).toBeUndefined();
  });
});

describe('eun login --web (authorization code + PKCE on a loopback redirect)', () => {
  test('signs in through the browser and stores the session; a stray answer is refused', async () => {
    const login = await startUntil(sb, ['login', '--web', '--json'], CODE_URL);
    const url = new URL(login.match[1]!);
    expect(url.origin + url.pathname).toBe(`${emu.eunifyer.issuer}/protocol/openid-connect/auth`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(url.searchParams.get('scope')).toBe('openid offline_access admin:access');
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(Number(redirect.port)).toBeGreaterThan(0);

    // Another page posting a code with the wrong state is turned away, and the login goes on.
    const stray = await fetch(`${redirect}?code=forged&state=wrong`);
    expect(stray.status).toBe(400);

    const browser = await browserLogin(url.toString());
    expect(browser.status).toBe(200);
    expect(browser.body).toContain('Signed in');
    const r = await login.result;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ profile: 'local', subject: 'user-demo', username: 'demo', method: 'web', source: 'session', refreshable: true });
    expect(summary.store.kind).toBe('file');
    const session = storedSession(sb, emu)!;
    expect(session.accessToken).toMatch(JWT);
    expect(typeof session.refreshToken).toBe('string');
    expectNoToken(r.stdout + r.stderr, session.refreshToken as string);

    // The listener was one-shot: it is gone.
    await expect(fetch(`${redirect}?code=again&state=${url.searchParams.get('state')}`)).rejects.toThrow();
  });

  test('Ctrl-C while waiting for the browser exits 130 and closes the listener', async () => {
    const login = await startUntil(sb, ['login', '--web'], CODE_URL);
    const redirect = new URL(login.match[1]!).searchParams.get('redirect_uri')!;
    login.child.kill('SIGINT');
    const r = await login.result;
    expect(r.code).toBe(130);
    await expect(fetch(`${redirect}?code=late&state=x`)).rejects.toThrow();
  });

  test('a login denied in the browser exits 4', async () => {
    const login = await startUntil(sb, ['login', '--web'], CODE_URL);
    const browser = await browserLogin(login.match[1]!, { deny: true });
    expect(browser.status).toBe(400);
    const r = await login.result;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/the login was denied in the browser \(access_denied/);
    expect(storedSession(sb, emu)).toBeUndefined();
  });
});

/** A JWT that is not signed by anyone: enough for what eun reads from it locally. */
function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

describe('eun login --with-token', () => {
  test('stores a user JWT from stdin with the expiry read from it', async () => {
    const { access_token: token } = await emu.userToken('eunifyer');
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    const r = await sb.run(['login', '--with-token'], { input: `${token}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Logged in to profile local as demo/);
    expectNoToken(r.stdout + r.stderr, token);
    const who = JSON.parse((await sb.run(['whoami', '--json'])).stdout);
    expect(who).toMatchObject({ subject: 'user-demo', method: 'token', refreshable: false, source: 'session' });
    expect(who.expiresAt).toBe(new Date(exp * 1000).toISOString());
    expect(storedSession(sb, emu)!.refreshToken).toBeUndefined();
  });

  test('stores an opaque PAT (expiry unknown)', async () => {
    const pat = `pat_${'x'.repeat(40)}`;
    const r = await sb.run(['login', '--with-token', '--json'], { input: pat });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ expiresAt: null, subject: null, method: 'token' });
    expectNoToken(r.stdout + r.stderr, pat);
    expect(storedSession(sb, emu)!.accessToken).toBe(pat);
  });

  test.each([
    ['nothing', '', 2, /no token on standard input/],
    ['two words', 'Bearer abc', 2, /does not hold one token/],
    ['an expired JWT', fakeJwt({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 60 }), 4, /the token has expired/],
    ['a JWT of another issuer', fakeJwt({ sub: 'x', iss: 'https://elsewhere.example' }), 2, /another issuer/],
  ])('refuses %s', async (_, input, code, message) => {
    const r = await sb.run(['login', '--with-token'], { input });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(storedSession(sb, emu)).toBeUndefined();
  });
});

describe('a keychain that is forced but unavailable', () => {
  test('login fails with exit 4 before showing any code', async () => {
    const r = await sb.run(['login'], { env: { EUN_SECRET_STORE: 'keychain', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/eun-test-bus' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/keychain/);
    expect(r.stderr).not.toContain('one-time code');
  });
});

describe('no session, and EUN_TOKEN', () => {
  test('whoami without a session exits 4 and says to run eun login', async () => {
    const r = await sb.run(['whoami']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('eun: not logged in to profile local');
    expect(r.stderr).toContain('hint: run eun login');
    const json = await sb.run(['whoami', '--json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'not_logged_in', hint: 'run eun login' });
  });

  test('EUN_TOKEN overrides the stored session', async () => {
    const { access_token: token } = await emu.userToken('centrali', { sub: 'ci-bot', workspace: 'acme-corp' });
    const stored = await sb.run(['login', '--with-token'], { input: `pat_${'s'.repeat(40)}`, env: { EUN_TOKEN: token } });
    expect(stored.code).toBe(0);
    expect(stored.stderr).toContain('EUN_TOKEN is set; management commands use it rather than this session');
    const r = await sb.run(['whoami', '--json'], { env: { EUN_TOKEN: token } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'EUN_TOKEN', subject: 'ci-bot', workspace: 'acme-corp', store: null });
    const text = await sb.run(['whoami'], { env: { EUN_TOKEN: token } });
    expect(text.stdout).toMatch(/^session +from EUN_TOKEN \(not stored\)$/m);
    expectNoToken(r.stdout + r.stderr + text.stdout + text.stderr, token);
    // Without a stored session, EUN_TOKEN alone is enough.
    const fresh = await sb.run(['whoami', '--json', '--profile', 'ce'], { env: { EUN_TOKEN: token } });
    expect(fresh.code, fresh.stderr).toBe(0);
  });
});

describe('with an auto-approving emulator', () => {
  let auto: Emulator;
  let asb: Sandbox;
  beforeAll(async () => {
    auto = await startEmulator({ autoApprove: true });
    await auto.settings({ deviceInterval: 1 });
    asb = sessionSandbox(auto);
  });
  afterAll(async () => {
    asb?.cleanup();
    await auto?.stop();
  });

  test('a centrali profile logs in with the device flow; --json gives a summary without tokens', async () => {
    const r = await asb.run(['login', '--profile', 'ce', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ profile: 'ce', flavor: 'centrali', subject: 'user-demo', workspace: 'acme-corp', method: 'device' });
    expect(summary.scope).not.toContain('admin:access');
    expect(Object.keys(summary)).not.toContain('accessToken');
    const session = storedSession(asb, auto, 'ce')!;
    expectNoToken(r.stdout + r.stderr, session.refreshToken as string);
    // The eunifyer profile has no session of its own.
    expect((await asb.run(['whoami'])).code).toBe(4);
  });
});
