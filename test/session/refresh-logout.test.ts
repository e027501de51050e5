import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Deps } from '../../src/core/deps.js';
import { createHttpClient } from '../../src/core/http/client.js';
import { getUserAccess, getUserAccessToken } from '../../src/core/session/user-token.js';
import type { Sandbox } from '../helpers/cli.js';
import { type Emulator, jsonRequest, startEmulator } from '../helpers/emulator.js';
import { JWT, expectNoToken, sessionSandbox, storedSession } from './session-helpers.js';

let emu: Emulator;
let sb: Sandbox;
beforeAll(async () => {
  emu = await startEmulator({ autoApprove: true });
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(async () => {
  await emu.settings({ deviceInterval: 1, userTokenTtl: 900 });
  sb = sessionSandbox(emu);
});
afterEach(() => sb.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Logs in to profile `local` (the emulator approves at once) and returns the stored session. */
async function login(): Promise<Record<string, unknown>> {
  const r = await sb.run(['login']);
  expect(r.code, r.stderr).toBe(0);
  const session = storedSession(sb, emu)!;
  expect(session.refreshToken).toEqual(expect.any(String));
  return session;
}

/** Spends a refresh token at the token endpoint, as another client would. */
function refreshDirectly(refreshToken: string) {
  return jsonRequest(emu.eunifyer.tokenEndpoint, { form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'eun-cli' } });
}

describe('refreshing the session', () => {
  test('an expired access token is refreshed transparently, and the new tokens are stored', async () => {
    await emu.settings({ userTokenTtl: 1 });
    const before = await login();
    // The refreshed token lives long, so that checking it below does not race its expiry.
    await emu.settings({ userTokenTtl: 900 });
    await sleep(1200);
    // --verbose too: diagnostics never carry a token either.
    const r = await sb.run(['whoami', '--json', '--verbose']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('refreshed the session of profile local');
    const view = JSON.parse(r.stdout);
    expect(Date.parse(view.expiresAt)).toBeGreaterThan(Date.now());
    const after = storedSession(sb, emu)!;
    expect(after.accessToken).toMatch(JWT);
    expect(after.accessToken !== before.accessToken, 'a new access token is stored').toBe(true);
    // The emulator rotates refresh tokens: the new one is stored too.
    expect(after.refreshToken !== before.refreshToken, 'the rotated refresh token is stored').toBe(true);
    expectNoToken(r.stdout + r.stderr, after.refreshToken as string, before.refreshToken as string);
    // The refreshed token is good at the management API.
    const api = await jsonRequest(`${emu.base}/api/v1/developer/service-principals`, { token: after.accessToken as string });
    expect(api.status).toBe(200);
  });

  test('many commands at once refresh once, and none spends a rotated refresh token', async () => {
    await emu.settings({ userTokenTtl: 1 });
    await login();
    await emu.settings({ userTokenTtl: 900 }); // the refreshed token outlives the checks
    await sleep(1200);
    await emu.resetStats();
    const runs = await Promise.all(Array.from({ length: 4 }, () => sb.run(['whoami', '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const refreshes = (await emu.stats()).lastTokenRequests.filter((t) => t.grantType === 'refresh_token');
    expect(refreshes.map((t) => t.status)).toEqual([200]);
  });

  test('getUserAccessToken refreshes a session close to expiry', async () => {
    await emu.settings({ userTokenTtl: 1 });
    const before = await login();
    await emu.settings({ userTokenTtl: 900 }); // the refreshed token outlives the checks
    await sleep(1200);
    const deps: Deps = {
      env: sb.env,
      now: () => Date.now(),
      stdout: { write: () => {}, isTTY: false },
      stderr: { write: () => {}, isTTY: false },
      stdinIsTTY: false,
      platform: process.platform,
      homedir: sb.env.HOME!,
      debug: () => {},
    };
    const http = createHttpClient(deps);
    try {
      const resolved = { name: 'local', profile: { flavor: 'eunifyer' as const, issuer: emu.eunifyer.issuer, api: emu.base } };
      const token = await getUserAccessToken(deps, http, resolved);
      expect(token).toMatch(JWT);
      expect(token !== before.accessToken, 'a new token').toBe(true);
      expect(token === storedSession(sb, emu)!.accessToken, 'the new token is the stored one').toBe(true);
      // A forced refresh (after a 401) gets yet another token, even though this one is fresh.
      const forced = await getUserAccess(deps, http, resolved, { forceRefresh: true });
      expect(forced.refreshed).toBe(true);
      expect(forced.accessToken !== token, 'a forced refresh gives a new token').toBe(true);
      // EUN_TOKEN wins over the stored session.
      expect(await getUserAccessToken({ ...deps, env: { ...sb.env, EUN_TOKEN: ' pat_from_env ' } }, http, resolved)).toBe('pat_from_env');
    } finally {
      await http.close();
    }
  });

  test('a refresh the issuer refuses exits 4 with "run eun login"', async () => {
    await emu.settings({ userTokenTtl: 1 });
    const session = await login();
    // Someone else spends the refresh token: the stored one is dead.
    expect((await refreshDirectly(session.refreshToken as string)).status).toBe(200);
    await sleep(1200);
    const r = await sb.run(['whoami']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/the session of profile local has expired or was revoked/);
    expect(r.stderr).toContain('hint: run eun login');
  });
});

describe('eun logout', () => {
  test('revokes the refresh token at the issuer and removes the session', async () => {
    const session = await login();
    const r = await sb.run(['logout']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Logged out of profile local: the session was revoked at the issuer and removed from .*secrets\.json/);
    expect(storedSession(sb, emu)).toBeUndefined();
    const reuse = await refreshDirectly(session.refreshToken as string);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await sb.run(['whoami'])).code).toBe(4);
    const again = await sb.run(['logout', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ profile: 'local', loggedOut: false, revocation: 'not_needed' });
  });

  test('removes the session even when the issuer cannot be reached, and says so', async () => {
    await login();
    await emu.fault({ path: '/realms/eunify/protocol/openid-connect/revoke', mode: '503', count: 10 });
    const r = await sb.run(['logout', '--json'], { env: { EUN_HTTP_TIMEOUT: '2s' } });
    await emu.clearFaults();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ loggedOut: true, revocation: 'failed' });
    expect(r.stderr).toMatch(/warning: could not revoke the session at the issuer \(.*HTTP 503/);
    expect(storedSession(sb, emu)).toBeUndefined();
  });
});
