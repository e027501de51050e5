/**
 * The device-flow poll loop and the loopback receiver against a real loopback server that
 * answers what a test scripts (slow_down, expiry, denial), which the emulator does not do.
 */
import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { Deps } from '../../src/core/deps.js';
import { AuthError, CancelledError, NetworkError } from '../../src/core/errors.js';
import { createHttpClient, type HttpClient } from '../../src/core/http/client.js';
import { type DeviceAuthorization, pollDeviceToken, startDeviceAuthorization } from '../../src/core/oauth/device.js';
import { createPkce, startLoopbackReceiver } from '../../src/core/oauth/pkce.js';

const deps: Deps = {
  env: {},
  now: () => Date.now(),
  stdout: { write: () => {}, isTTY: false },
  stderr: { write: () => {}, isTTY: false },
  stdinIsTTY: false,
  platform: process.platform,
  homedir: '/nonexistent',
  debug: () => {},
};

let server: Server | undefined;
let http: HttpClient | undefined;
afterEach(async () => {
  await http?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A server answering each POST with the next scripted [status, body]; records when each came. */
async function scripted(answers: Array<[number, Record<string, unknown>]>): Promise<{ url: string; times: number[] }> {
  const times: number[] = [];
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      times.push(Date.now());
      const [status, body] = answers[Math.min(times.length - 1, answers.length - 1)]!;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  http = createHttpClient(deps);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, times };
}

const authorization = (overrides: Partial<DeviceAuthorization> = {}): DeviceAuthorization => ({
  deviceCode: 'dc',
  userCode: 'ABCD-EFGH',
  verificationUri: 'http://127.0.0.1/device',
  expiresIn: 60,
  interval: 1,
  ...overrides,
});

const pending: [number, Record<string, unknown>] = [400, { error: 'authorization_pending' }];

describe('device flow polling', () => {
  test('waits the interval between polls, and 5 s more after slow_down', async () => {
    const { url, times } = await scripted([pending, [400, { error: 'slow_down' }], pending, [200, { access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt' }]]);
    const slowDowns: number[] = [];
    const started = Date.now();
    // Scale 0.02: the 1 s interval is 20 ms, slow_down's 6 s is 120 ms.
    const tokens = await pollDeviceToken(http!, {
      tokenEndpoint: url, clientId: 'eun-cli', authorization: authorization(), now: Date.now, intervalScale: 0.02,
      onSlowDown: (s) => slowDowns.push(s),
    });
    expect(tokens).toMatchObject({ accessToken: 'at', refreshToken: 'rt', expiresIn: 60 });
    expect(times).toHaveLength(4);
    expect(slowDowns).toEqual([6]);
    expect(times[0]! - started).toBeGreaterThanOrEqual(19);
    expect(times[1]! - times[0]!).toBeLessThan(110);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(119);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(119);
  });

  test.each([
    ['expired_token', 'expired_token', /expired before it was approved/],
    ['access_denied', 'access_denied', /the login was denied \(access_denied/],
    ['invalid_grant', 'invalid_grant', /the device login was refused \(invalid_grant/],
  ])('%s ends the wait with exit 4', async (error, code, message) => {
    const { url } = await scripted([pending, [400, { error }]]);
    const poll = pollDeviceToken(http!, { tokenEndpoint: url, clientId: 'eun-cli', authorization: authorization(), now: Date.now, intervalScale: 0.01 });
    await expect(poll).rejects.toBeInstanceOf(AuthError);
    await expect(poll).rejects.toMatchObject({ exitCode: 4, code, message: expect.stringMatching(message) });
  });

  test('gives up when the code expires while still pending', async () => {
    const { url } = await scripted([pending]);
    const poll = pollDeviceToken(http!, {
      tokenEndpoint: url, clientId: 'eun-cli', authorization: authorization({ expiresIn: 0.2 }), now: Date.now, intervalScale: 0.03,
    });
    await expect(poll).rejects.toMatchObject({ code: 'expired_token', exitCode: 4 });
  });

  test('an abort (Ctrl-C) ends the wait at once with exit 130', async () => {
    const { url } = await scripted([pending]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const poll = pollDeviceToken(http!, { tokenEndpoint: url, clientId: 'eun-cli', authorization: authorization({ interval: 5 }), now: Date.now, signal: controller.signal });
    await expect(poll).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('the device authorization response defaults the interval to 5 s and refuses a non-http verification URI', async () => {
    const { url } = await scripted([
      [200, { device_code: 'dc', user_code: 'WXYZ-ABCD', verification_uri: 'https://issuer.example/device', expires_in: 600 }],
      [200, { device_code: 'dc', user_code: 'WXYZ-ABCD', verification_uri: 'javascript:alert(1)' }],
    ]);
    const first = await startDeviceAuthorization(http!, { endpoint: url, clientId: 'eun-cli', scope: 'openid' });
    expect(first).toMatchObject({ interval: 5, expiresIn: 600, userCode: 'WXYZ-ABCD', verificationUri: 'https://issuer.example/device' });
    await expect(startDeviceAuthorization(http!, { endpoint: url, clientId: 'eun-cli', scope: 'openid' })).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('PKCE and the loopback receiver', () => {
  test('the challenge is the S256 of a 43-character verifier', () => {
    const { verifier, challenge } = createPkce();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
    expect(createPkce().verifier).not.toBe(verifier);
  });

  test('listens on 127.0.0.1, refuses other paths, states and issuers, and gives up after its time limit', async () => {
    const receiver = await startLoopbackReceiver({ state: 's1', issuer: 'http://issuer.example/realms/x', timeoutMs: 600 });
    const redirect = new URL(receiver.redirectUri);
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(redirect.pathname).toBe('/callback');
    expect((await fetch(`${redirect.origin}/other?code=c&state=s1`)).status).toBe(404);
    expect((await fetch(`${receiver.redirectUri}?code=c&state=s2`)).status).toBe(400);
    expect((await fetch(`${receiver.redirectUri}?code=c&state=s1&iss=http%3A%2F%2Fevil.example`)).status).toBe(400);
    const started = Date.now();
    await expect(receiver.answer).rejects.toMatchObject({ code: 'login_timeout', exitCode: 4 });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(receiver.redirectUri)).rejects.toThrow();
  });

  test('takes the first answer with the right state, once', async () => {
    const receiver = await startLoopbackReceiver({ state: 's1', issuer: 'http://issuer.example', timeoutMs: 5000 });
    const res = await fetch(`${receiver.redirectUri}?code=the-code&state=s1&iss=http%3A%2F%2Fissuer.example`);
    expect(res.status).toBe(200);
    expect(await receiver.answer).toEqual({ code: 'the-code' });
  });
});
