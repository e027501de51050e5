/**
 * Area 3, concurrency: stampedes of `token get` on one key, then 50 processes mixing
 * `token get`, `sa rotate`, `sa create`, `login --with-token` and `token clear` on one
 * profile. No crash (exit codes from the expected set only), no corrupted file, no lost
 * secret (every account created has its secret stored, and every stored secret mints),
 * and one token request per key for a stampede.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { AreaFigures } from './figures.js';
import { type World, errorShapeProblems, firstLine, mints, startWorld, stateProblems, storedClientSecrets } from './world.js';

const figures = new AreaFigures('3 concurrency');
let world: World;
let userToken = '';

beforeAll(async () => {
  world = await startWorld(figures);
  userToken = await world.userToken('eunifyer');
}, 60_000);
afterAll(async () => {
  await world?.stop();
  figures.publish();
});

describe('concurrency', () => {
  it('a stampede of token get on one key makes one token request (profile and CI paths)', async () => {
    const base = await world.run(['sa', 'create', '--name', 'stampede', '--default', '--scope', 'partner:orgs:read'], { env: { EUN_TOKEN: userToken } });
    expect(base.code, base.stderr).toBe(0);
    const ci = await world.emu.createServiceAccount('eunifyer', { name: 'stampede-ci', scopes: ['partner:orgs:read'] });
    const defaultClient = /clientId: (\S+)/.exec(base.stdout)?.[1] ?? '';
    const ciEnv = { EUN_ISSUER: world.emu.eunifyer.issuer, EUN_CLIENT_ID: ci.clientId, EUN_CLIENT_SECRET: ci.clientSecret };
    // Slow mints widen the window in which the others must wait rather than mint.
    await world.emu.settings({ tokenDelayMs: 300 });
    try {
      for (const [name, env, clientId] of [
        ['profile path', {}, defaultClient],
        ['CI path', ciEnv, ci.clientId],
      ] as const) {
        const problems = await figures.run(`stampede of 20 token get (${name})`, async (check) => {
          const before = (await world.emu.stats()).tokenRequests.byClient[clientId] ?? 0;
          figures.cliRuns += 20;
          const runs = await Promise.all(Array.from({ length: 20 }, () => world.sb.run(['token', 'get'], { env, timeoutMs: 30_000 })));
          const tokens = new Set(runs.map((r) => r.stdout.trim()));
          const made = ((await world.emu.stats()).tokenRequests.byClient[clientId] ?? 0) - before;
          figures.requests += made;
          figures.extra[`stampede ${name}: token requests for 20 runs`] = made;
          check.ok(runs.every((r) => r.code === 0), `exits ${runs.map((r) => r.code).join(',')}: ${runs.map((r) => firstLine(r.stderr)).find(Boolean)}`);
          check.ok(made === 1, `${made} token requests for one key`);
          check.ok(tokens.size === 1, `${tokens.size} different tokens printed`);
        });
        expect(problems).toEqual([]);
      }
    } finally {
      await world.emu.settings({ tokenDelayMs: 0 });
    }
  }, 90_000);

  it('50 mixed processes on one profile: no crash, no corrupt file, no lost secret', async () => {
    await world.emu.resetStats();
    const mgmt = { EUN_TOKEN: userToken };
    const plan: Array<{ kind: string; args: string[]; env?: Record<string, string>; input?: string; codes: number[] }> = [];
    // A token get refused with the secret it read reads the store again and retries once; a
    // rotation still between the server and the store can leave it refused (4): one clean line.
    for (let i = 0; i < 18; i++) plan.push({ kind: 'token get', args: ['token', 'get'], codes: [0, 4] });
    for (let i = 0; i < 12; i++) plan.push({ kind: 'sa create', args: ['sa', 'create', '--name', `mix-${i}`, '--scope', 'partner:orgs:read'], env: mgmt, codes: [0] });
    for (let i = 0; i < 8; i++) plan.push({ kind: 'sa rotate', args: ['sa', 'rotate', 'stampede', '--yes'], env: mgmt, codes: [0] });
    for (let i = 0; i < 6; i++) plan.push({ kind: 'login --with-token', args: ['login', '--with-token'], input: `${userToken}\n`, codes: [0] });
    for (let i = 0; i < 6; i++) plan.push({ kind: 'token clear', args: ['token', 'clear'], codes: [0] });
    // Interleave the kinds (a fixed permutation: 7919 is prime to 50) so that they start together.
    const shuffled = plan.map((p, i) => ({ p, k: (i * 7919) % plan.length })).sort((a, b) => a.k - b.k).map((x) => x.p);
    figures.cliRuns += shuffled.length;
    const results: CliResult[] = await Promise.all(
      shuffled.map((p) => world.sb.run(p.args, { env: p.env ?? {}, ...(p.input ? { input: p.input } : {}), timeoutMs: 60_000 })),
    );
    const byKind = new Map<string, number[]>();
    const problems: string[] = [];
    shuffled.forEach((p, i) => {
      const r = results[i]!;
      byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), r.code ?? -1]);
    });
    for (const [kind, codes] of byKind) figures.extra[`exits ${kind}`] = codes.sort().join(' ');
    const refusals = new Set(shuffled.flatMap((p, i) => (results[i]!.code !== 0 ? [`${p.kind}: ${firstLine(results[i]!.stderr).replace(/ci_\w+/g, 'CLIENT')}`] : [])));
    if (refusals.size > 0) figures.extra['non-zero exits said'] = [...refusals].join(' | ');

    problems.push(
      ...(await figures.run('every exit code is an expected one, failures are one clean line', async (check) => {
        shuffled.forEach((p, i) => {
          const r = results[i]!;
          check.ok(p.codes.includes(r.code ?? -1), `${p.kind}: exit ${r.code ?? r.signal}: ${firstLine(r.stderr)}`);
          if (r.code !== 0) for (const e of errorShapeProblems(r, p.codes)) check.ok(false, `${p.kind}: ${e}`);
        });
      })),
    );
    problems.push(
      ...(await figures.run('config, secret store and cache all parse', async (check) => {
        for (const p of stateProblems(world.sb)) check.ok(false, p);
      })),
    );
    const stored = storedClientSecrets(world.sb);
    problems.push(
      ...(await figures.run('every account sa create made has its secret stored, and it mints', async (check) => {
        const created = shuffled.flatMap((p, i) => (p.kind === 'sa create' && results[i]!.code === 0 ? [/clientId: (\S+)/.exec(results[i]!.stdout)?.[1] ?? ''] : []));
        check.ok(created.length === 12, `${created.length} of 12 creates succeeded`);
        let minted = 0;
        for (const clientId of created) {
          const secret = stored.get(clientId);
          if (!check.ok(secret !== undefined, `the secret of ${clientId} is not in the store`)) continue;
          if (check.ok(await mints(world.emu, clientId, secret), `the stored secret of ${clientId} does not mint`)) minted++;
        }
        figures.extra['created secrets stored and minting'] = `${minted}/${created.length}`;
      })),
    );
    problems.push(
      ...(await figures.run('after 8 concurrent rotations the stored secret is the live one', async (check) => {
        const rotated = shuffled.flatMap((p, i) => (p.kind === 'sa rotate' && results[i]!.code === 0 ? [results[i]!] : []));
        const clientId = /clientId: (\S+)/.exec(rotated[0]?.stdout ?? '')?.[1] ?? '';
        const secret = stored.get(clientId);
        check.ok(secret !== undefined, 'no stored secret for the rotated account');
        check.ok(secret !== undefined && (await mints(world.emu, clientId, secret)), 'the stored secret of the rotated account is dead (a stale rotation won the store)');
        // And the next token get works.
        figures.cliRuns++;
        const next = await world.sb.run(['token', 'get', '--force-refresh']);
        check.ok(next.code === 0, `the next token get: exit ${next.code}: ${firstLine(next.stderr)}`);
      })),
    );
    problems.push(
      ...(await figures.run('the session login --with-token stored is intact', async (check) => {
        figures.cliRuns++;
        const who = await world.sb.run(['whoami']);
        check.ok(who.code === 0, `whoami: exit ${who.code}: ${firstLine(who.stderr)}`);
      })),
    );
    const stats = await world.emu.stats();
    figures.requests += stats.tokenRequests.total;
    figures.extra['token requests in the mix'] = stats.tokenRequests.total;
    expect(problems).toEqual([]);
  }, 120_000);
});
