import { describe, expect, it } from 'vitest';
import type { Emulator } from '../helpers/emulator.js';
import { JWT, ciAccount, withEmulator } from './helpers.js';

const t = withEmulator();

const TOKEN_PATH = '/realms/eunify/protocol/openid-connect/token';

/** Runs `token get` for a new account after injecting a fault into its token requests. */
async function getWithFault(fault: { mode: string; count: number; retryAfter?: number; delayMs?: number }, extraEnv: Record<string, string> = {}) {
  const { env } = await ciAccount(t.emu);
  await t.emu.fault({ path: TOKEN_PATH, ...fault } as Parameters<Emulator['fault']>[0]);
  return t.sb.run(['token', 'get'], { env: { ...env, ...extraEnv }, timeoutMs: 30_000 });
}

/** One line and a hint on stderr, no HTML, no stack, nothing on stdout. */
function expectOneLineError(r: { stdout: string; stderr: string }, message: RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
  expect(r.stderr).not.toMatch(/<html|<!doctype|\n\s+at /i);
}

describe('eun token get when the issuer misbehaves', () => {
  it('retries 503s and then succeeds', async () => {
    const r = await getWithFault({ mode: '503', count: 2 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(JWT);
  });

  it('honours Retry-After on a 429', async () => {
    const r = await getWithFault({ mode: '429', count: 1, retryAfter: 1 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(1000);
  });

  it('gives up on a Retry-After longer than it may wait, with exit 5', async () => {
    const r = await getWithFault({ mode: '429', count: 1, retryAfter: 3600 });
    expect(r.code).toBe(5);
    expectOneLineError(r, /rate limited \(HTTP 429\)/);
    expect(r.stderr).toMatch(/hint: the server asks to wait 3600s/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('turns HTML 502 pages into one line, exit 5, after bounded retries', async () => {
    const r = await getWithFault({ mode: 'html502', count: 20 });
    expect(r.code).toBe(5);
    expectOneLineError(r, /^eun: token request to 127\.0\.0\.1:\d+ failed: server error \(HTTP 502\) \(4 attempts in [\d.]+s\)/);
  });

  it('reports a non-JSON 200 as a bad response, exit 5', async () => {
    const r = await getWithFault({ mode: 'nonjson', count: 20 });
    expect(r.code).toBe(5);
    expectOneLineError(r, /HTTP 200 with an HTML page, not JSON/);
  });

  it('retries a truncated body, and reports one that stays truncated', async () => {
    const once = await getWithFault({ mode: 'truncated', count: 1 });
    expect(once.code, once.stderr).toBe(0);
    const always = await getWithFault({ mode: 'truncated', count: 20 });
    expect(always.code).toBe(5);
    expectOneLineError(always, /closed before the response was complete/);
  });

  it('refuses a huge body instead of running out of memory', async () => {
    const r = await getWithFault({ mode: 'huge', count: 20 });
    expect(r.code).toBe(5);
    expectOneLineError(r, /larger than 256 KiB/);
  });

  it('retries a dropped connection', async () => {
    const r = await getWithFault({ mode: 'drop', count: 2 });
    expect(r.code, r.stderr).toBe(0);
  });

  it('bounds a hanging issuer: exit 5 within the time budget', async () => {
    const r = await getWithFault({ mode: 'hang', count: 20 }, { EUN_HTTP_TIMEOUT: '1s' });
    expect(r.code).toBe(5);
    expectOneLineError(r, /no answer within 1s/);
    expect(r.ms).toBeLessThan(10_000); // 3 attempts of 1 s, not the default 3 × 10 s
  });

  it('is patient with a slow issuer within the budget', async () => {
    const r = await getWithFault({ mode: 'delay', count: 1, delayMs: 500 }, { EUN_HTTP_TIMEOUT: '3s' });
    expect(r.code, r.stderr).toBe(0);
  });

  it('reports an unreachable issuer with exit 5', async () => {
    const r = await t.sb.run(['token', 'get'], {
      env: { EUN_TOKEN_URL: 'http://127.0.0.1:9/token', EUN_CLIENT_ID: 'a', EUN_CLIENT_SECRET: 'b', EUN_HTTP_TIMEOUT: '1s' },
    });
    expect(r.code).toBe(5);
    expectOneLineError(r, /token request to 127\.0\.0\.1:9 failed: connection refused/);
  });
});
