/**
 * Area 7, load on the emulator: bounded runs (loopback only; each phase stops after a few
 * seconds or a request cap) of client-credentials mints and management calls, reporting
 * throughput and latency percentiles. The only errors allowed are the intended 429s of a
 * tight rate limit, and those carry Retry-After; a CLI run against the exhausted limit ends
 * at once with exit 5 and one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Flavor, type TestServiceAccount } from '../helpers/emulator.js';
import { AreaFigures } from './figures.js';
import { type World, errorShapeProblems, startWorld } from './world.js';

const figures = new AreaFigures('7 load');
const PHASE_MS = 2500;
const MAX_REQUESTS = 20_000;
const WORKERS = 16;

let world: World;
const accounts: Record<Flavor, TestServiceAccount[]> = { eunifyer: [], centrali: [] };
const users: Record<Flavor, string> = { eunifyer: '', centrali: '' };

interface Sample {
  ms: number;
  status: number;
  retryAfter: string | null;
}

/** Runs `request` from WORKERS loops until the phase's time or request cap is reached. */
async function phase(request: (i: number) => Promise<Response>): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  const started = Date.now();
  let issued = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (Date.now() - started < PHASE_MS && issued < MAX_REQUESTS) {
        const i = issued++;
        const t0 = performance.now();
        let status = 0;
        let retryAfter: string | null = null;
        try {
          const res = await request(i);
          await res.arrayBuffer();
          status = res.status;
          retryAfter = res.headers.get('retry-after');
        } catch {
          status = -1;
        }
        samples.push({ ms: performance.now() - t0, status, retryAfter });
      }
    }),
  );
  return { samples, seconds: (Date.now() - started) / 1000 };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
}

function summarize(name: string, run: { samples: Sample[]; seconds: number }): void {
  const ms = run.samples.map((s) => s.ms).sort((a, b) => a - b);
  figures.requests += run.samples.length;
  figures.extra[`${name} req/s`] = Math.round(run.samples.length / run.seconds);
  figures.extra[`${name} p50 ms`] = percentile(ms, 50);
  figures.extra[`${name} p99 ms`] = percentile(ms, 99);
  const byStatus = new Map<number, number>();
  for (const s of run.samples) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  figures.extra[`${name} statuses`] = [...byStatus].map(([status, n]) => `${status}×${n}`).join(' ');
}

const mintUrl = (flavor: Flavor) => (flavor === 'eunifyer' ? world.emu.eunifyer.tokenEndpoint : world.emu.centrali.tokenEndpoint);
const collection = (flavor: Flavor) =>
  flavor === 'eunifyer' ? `${world.emu.base}/api/v1/developer/service-principals` : `${world.emu.base}/centrali/workspace/acme-corp/api/v1/service-accounts`;

beforeAll(async () => {
  world = await startWorld(figures);
  for (const flavor of ['eunifyer', 'centrali'] as const) {
    users[flavor] = await world.userToken(flavor);
    for (let i = 0; i < 4; i++) accounts[flavor].push(await world.emu.createServiceAccount(flavor, { name: `load-${flavor}-${i}` }));
  }
}, 60_000);
afterAll(async () => {
  await world?.stop();
  figures.publish();
});

describe('load on the emulator', () => {
  it('client-credentials mints: every one answered 200', async () => {
    const run = await phase((i) => {
      const flavor: Flavor = i % 2 === 0 ? 'eunifyer' : 'centrali';
      const account = accounts[flavor][i % 4]!;
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: account.clientId, client_secret: account.clientSecret });
      return fetch(mintUrl(flavor), { method: 'POST', body: form });
    });
    summarize('mints', run);
    const problems = await figures.run(`${run.samples.length} mints in ${run.seconds}s`, async (check) => {
      const bad = run.samples.filter((s) => s.status !== 200);
      check.ok(bad.length === 0, `${bad.length} mints not answered 200 (${[...new Set(bad.map((s) => s.status))].join(', ')})`);
      check.ok(run.samples.length >= 100, `only ${run.samples.length} mints in ${run.seconds}s`);
    });
    expect(problems).toEqual([]);
  }, 30_000);

  it('management calls (list, get, create): all 2xx under a limit they stay within', async () => {
    await world.emu.settings({ rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
    const run = await phase((i) => {
      const flavor: Flavor = i % 2 === 0 ? 'eunifyer' : 'centrali';
      const headers = { authorization: `Bearer ${users[flavor]}`, 'content-type': 'application/json' };
      const kind = i % 10;
      if (kind === 0) return fetch(collection(flavor), { method: 'POST', headers, body: JSON.stringify({ name: `load-created-${i}` }) });
      if (kind < 5) return fetch(`${collection(flavor)}/${encodeURIComponent(String(accounts[flavor][i % 4]!.id))}`, { headers });
      return fetch(`${collection(flavor)}?page=1&limit=20`, { headers });
    });
    summarize('management', run);
    const problems = await figures.run(`${run.samples.length} management calls in ${run.seconds}s`, async (check) => {
      const bad = run.samples.filter((s) => s.status < 200 || s.status > 299);
      check.ok(bad.length === 0, `${bad.length} calls not 2xx (${[...new Set(bad.map((s) => s.status))].join(', ')})`);
    });
    expect(problems).toEqual([]);
  }, 30_000);

  it('a tight rate limit: only 429s with Retry-After, and the CLI gives up at once with one line', async () => {
    await world.emu.settings({ rateLimit: { limit: 100, windowSeconds: 60 } });
    try {
      const run = await phase(() => fetch(`${collection('eunifyer')}?page=1&limit=5`, { headers: { authorization: `Bearer ${users.eunifyer}` } }));
      summarize('rate-limited', run);
      const problems = await figures.run('statuses are 200 or an intended 429 with Retry-After', async (check) => {
        const ok = run.samples.filter((s) => s.status === 200).length;
        const limited = run.samples.filter((s) => s.status === 429);
        const other = run.samples.filter((s) => s.status !== 200 && s.status !== 429);
        check.ok(ok <= 100, `${ok} answered 200 past a limit of 100`);
        check.ok(limited.length > 0, 'the limit was never hit');
        check.ok(limited.every((s) => s.retryAfter !== null && /^\d+$/.test(s.retryAfter)), 'a 429 without a usable Retry-After');
        check.ok(other.length === 0, `${other.length} other errors (${[...new Set(other.map((s) => s.status))].join(', ')})`);
      });
      problems.push(
        ...(await figures.run('sa list against the exhausted limit', async (check) => {
          figures.cliRuns++;
          const r = await world.run(['sa', 'list'], { env: { EUN_TOKEN: users.eunifyer } });
          for (const p of errorShapeProblems(r, 5)) check.ok(false, p);
          check.ok(/rate limited \(HTTP 429\)/.test(r.stderr), `the message does not say rate limited: ${r.stderr.split('\n')[0]}`);
          check.ok(/hint: the server asks to wait \d+s/.test(r.stderr), 'no hint saying how long to wait');
          // A Retry-After beyond what eun waits ends the run at once instead of sleeping.
          check.bound(r.ms, 5000, 'sa list');
        })),
      );
      expect(problems).toEqual([]);
    } finally {
      await world.emu.settings({ rateLimit: { limit: 1000, windowSeconds: 60 } });
    }
  }, 30_000);
});
