import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { clientPrefix } from '../../src/core/tokens/key.js';
import { JWT, ciAccount, requestsOf, withEmulator } from './helpers.js';
import { startTokenServer } from './token-server.js';

const t = withEmulator();

const tokensDir = () => join(t.sb.env.EUN_CACHE_DIR as string, 'tokens');

describe('single flight across processes', () => {
  it('50 concurrent cold calls make one token request and print the same token', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const runs = await Promise.all(Array.from({ length: 50 }, () => t.sb.run(['token', 'get'], { env, timeoutMs: 60_000 })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const tokens = new Set(runs.map((r) => r.stdout));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]?.trim()).toMatch(JWT);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
  }, 90_000);

  it('20 concurrent --force-refresh calls share fresh tokens', async () => {
    const { sa, env } = await ciAccount(t.emu);
    await t.sb.run(['token', 'get'], { env });
    const runs = await Promise.all(Array.from({ length: 20 }, () => t.sb.run(['token', 'get', '--force-refresh'], { env, timeoutMs: 60_000 })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // Each wants a token minted after it started; those that started together share one.
    const minted = (await requestsOf(t.emu, sa.clientId)) - 1;
    expect(minted).toBeGreaterThanOrEqual(1);
    expect(minted).toBeLessThanOrEqual(5);
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(minted);
  }, 60_000);

  it('recovers at once from a lock left by a kill -9', async () => {
    const issuer = await startTokenServer({ clientId: 'c1', clientSecret: 's1' });
    try {
      const env = { EUN_ISSUER: issuer.issuer, EUN_CLIENT_ID: 'c1', EUN_CLIENT_SECRET: 's1' };
      issuer.hang = true;
      const child = spawn(process.execPath, [BIN, 'token', 'get'], { env: { ...process.env, ...t.sb.env, ...env }, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const deadline = Date.now() + 15_000;
      while (issuer.hung === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(issuer.hung).toBe(1); // the victim holds the key's lock, waiting for its token
      const lockExists = () => readdirSync(tokensDir()).some((n) => n.startsWith(clientPrefix('c1')) && n.endsWith('.lock'));
      expect(lockExists()).toBe(true);
      child.kill('SIGKILL');
      await exited;
      expect(lockExists()).toBe(true); // ...and left it behind

      issuer.hang = false;
      const r = await t.sb.run(['token', 'get'], { env, timeoutMs: 15_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^tok-1-/);
      expect(r.ms).toBeLessThan(5000); // broken at once, not waited out (a live holder gets 75 s)
      expect(lockExists()).toBe(false);
      expect(issuer.tokenRequests).toBe(1);
    } finally {
      await issuer.close();
    }
  }, 40_000);

  it('waiters share the failure of the process that tried, instead of each trying again', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => t.sb.run(['token', 'get'], { env: { ...env, EUN_CLIENT_SECRET: 'wrong' }, timeoutMs: 30_000 })),
    );
    for (const r of runs) {
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/invalid_client/);
    }
    // Processes that started after a failure try again; those that waited on it do not.
    expect(await requestsOf(t.emu, sa.clientId)).toBeLessThan(8);
  }, 40_000);
});
