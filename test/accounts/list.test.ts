import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../helpers/cli.js';
import { type Emulator, startEmulator } from '../helpers/emulator.js';
import { FLAVORS, UserTokens, flavorSandbox, sa } from './setup.js';

let emu: Emulator;
let tokens: UserTokens;
let sb: Sandbox;
const made: Record<string, string[]> = {};

beforeAll(async () => {
  emu = await startEmulator();
  tokens = new UserTokens(emu);
  sb = await flavorSandbox(emu);
  for (const flavor of FLAVORS) {
    made[flavor] = [];
    for (let i = 1; i <= 5; i++) made[flavor].push((await emu.createServiceAccount(flavor, { name: `page-${i}` })).clientId);
  }
});
afterAll(async () => {
  sb?.cleanup();
  await emu?.stop();
});

describe.each(FLAVORS)('eun sa list (%s)', (flavor) => {
  it('shows one page with --page/--limit and every page with --all', async () => {
    const page = await sa(sb, tokens, flavor, ['sa', 'list', '--page', '3', '--limit', '2', '--json']);
    expect(page.code, page.stderr).toBe(0);
    expect(JSON.parse(page.stdout).map((a: { clientId: string }) => a.clientId)).toEqual(made[flavor]?.slice(4, 5));

    const all = await sa(sb, tokens, flavor, ['sa', 'list', '--all', '--limit', '2', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const accounts = JSON.parse(all.stdout) as Array<{ id: unknown; clientId: string }>;
    expect(accounts.map((a) => a.clientId)).toEqual(made[flavor]);
    expect(accounts.every((a) => typeof a.id === 'string')).toBe(true);
    // A complete listing refreshes the completion list; a partial page does not shrink it.
    const file = join(sb.env.EUN_CACHE_DIR as string, 'completion', `accounts-${flavor}.json`);
    expect(JSON.parse(readFileSync(file, 'utf8')).accounts).toHaveLength(5);
    await sa(sb, tokens, flavor, ['sa', 'list', '--limit', '1']);
    expect(JSON.parse(readFileSync(file, 'utf8')).accounts).toHaveLength(5);
  });
});

describe('rate limits', () => {
  it('waits out a 429 with Retry-After and says once that the budget runs low', async () => {
    // Four requests per second for the eunifyer org: `--all --limit 1` needs six.
    await emu.settings({ rateLimit: { limit: 4, windowSeconds: 1 } });
    try {
      const r = await sa(sb, tokens, 'eunifyer', ['sa', 'list', '--all', '--limit', '1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveLength(5);
      expect(r.stderr.match(/rate limit of .* is nearly used up/g)).toHaveLength(1);
    } finally {
      await emu.settings({ rateLimit: { limit: 10_000, windowSeconds: 60 } });
    }
  });

  it('gives up after bounded retries with exit 5 when the server keeps refusing', async () => {
    await emu.fault({ path: '/api/v1/developer/service-principals', mode: '429', count: 10, retryAfter: 60 });
    try {
      const r = await sa(sb, tokens, 'eunifyer', ['sa', 'list']);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/rate limited \(HTTP 429\)/);
      expect(r.ms).toBeLessThan(10_000);
    } finally {
      await emu.clearFaults();
    }
  });
});
