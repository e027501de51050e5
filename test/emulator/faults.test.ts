import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentials, startEmulator, type Emulator, type TestServiceAccount } from '../helpers/emulator.js';

let emu: Emulator;
let account: TestServiceAccount;
const TOKEN_PATH = '/realms/eunify/protocol/openid-connect/token';

beforeAll(async () => {
  // One fault armed from the environment at start: the first token request gets a 503.
  emu = await startEmulator({ env: { EUN_EMULATOR_FAULTS: JSON.stringify([{ path: TOKEN_PATH, mode: '503', retryAfter: 2 }]) } });
  account = await emu.createServiceAccount('eunifyer', { name: 'faulty' });
});

afterAll(async () => {
  await emu?.stop();
});

function tokenRequest(signal?: AbortSignal): Promise<Response> {
  return fetch(emu.eunifyer.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: account.clientId, client_secret: account.clientSecret }),
    ...(signal ? { signal } : {}),
  });
}

describe('fault injection', () => {
  it('arms faults from EUN_EMULATOR_FAULTS at start, then recovers', async () => {
    const first = await tokenRequest();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    expect((await tokenRequest()).status).toBe(200);
  });

  it('503 and 429 for the next N requests, with Retry-After', async () => {
    await emu.fault({ path: TOKEN_PATH, mode: '429', count: 2, retryAfter: 7 });
    for (let i = 0; i < 2; i++) {
      const res = await tokenRequest();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
    }
    expect((await tokenRequest()).status).toBe(200);
  });

  it('an HTML 502 page and a non-JSON 200', async () => {
    await emu.fault({ path: TOKEN_PATH, mode: 'html502' });
    const html = await tokenRequest();
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toMatch(/Bad Gateway/);

    await emu.fault({ path: TOKEN_PATH, mode: 'nonjson' });
    const nonJson = await tokenRequest();
    expect(nonJson.status).toBe(200);
    const text = await nonJson.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('a truncated body and a huge body', async () => {
    await emu.fault({ path: TOKEN_PATH, mode: 'truncated' });
    const truncated = await tokenRequest();
    expect(truncated.status).toBe(200);
    await expect(truncated.text()).rejects.toThrow();

    await emu.fault({ path: TOKEN_PATH, mode: 'huge' });
    const huge = await tokenRequest();
    expect(huge.status).toBe(200);
    expect((await huge.arrayBuffer()).byteLength).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('a hang, a dropped connection and a delay', async () => {
    await emu.fault({ path: TOKEN_PATH, mode: 'hang' });
    await expect(tokenRequest(AbortSignal.timeout(300))).rejects.toThrow();

    await emu.fault({ path: TOKEN_PATH, mode: 'drop' });
    await expect(tokenRequest()).rejects.toThrow();

    await emu.fault({ path: TOKEN_PATH, mode: 'delay', delayMs: 400 });
    const started = Date.now();
    const delayed = await tokenRequest();
    expect(delayed.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('only matching paths are affected, and DELETE clears pending faults', async () => {
    await emu.fault({ path: '/centrali/oidc/token', mode: '503', count: 5 });
    expect((await tokenRequest()).status).toBe(200);
    await emu.fault({ path: TOKEN_PATH, mode: '503', count: 5 });
    await emu.clearFaults();
    expect((await tokenRequest()).status).toBe(200);
    const bad = await fetch(`${emu.base}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: TOKEN_PATH, mode: 'explode' }),
    });
    expect(bad.status).toBe(400);
  });

  it('tokenDelayMs slows every token response, and stats count them', async () => {
    await emu.resetStats();
    await emu.settings({ tokenDelayMs: 300 });
    try {
      const started = Date.now();
      expect((await clientCredentials(emu, 'eunifyer', account)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    } finally {
      await emu.settings({ tokenDelayMs: 0 });
    }
    const stats = await emu.stats();
    expect(stats.tokenRequests.total).toBe(1);
    expect(stats.tokenRequests.byClient[account.clientId]).toBe(1);
    expect(stats.lastTokenRequests[0]).toMatchObject({ clientId: account.clientId, grantType: 'client_credentials', authMethod: 'client_secret_post' });
  });
});
