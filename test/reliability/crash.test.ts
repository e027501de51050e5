/**
 * Area 4, crash safety: `kill -9` at random points of `sa create`, `sa rotate` and
 * `token get`. Afterwards the config, the secret store and the cache always parse, the next
 * command works, and every secret the server issued was either stored or printed: the live
 * secret of a rotated account mints from the store or from what the killed run printed, and
 * every account the server created has its secret in one of the two.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, startCli } from '../helpers/cli.js';
import { type ReverseProxy, startReverseProxy } from '../helpers/proxy.js';
import { AreaFigures } from './figures.js';
import { type World, firstLine, mints, readConfig, startWorld, stateProblems, storedClientSecrets, strayTempFiles, writeConfig, writeProfiles } from './world.js';

const figures = new AreaFigures('4 crash safety');
const LANES = 4;
const RUNS_PER_LANE = 24;
const COMMANDS = ['sa create', 'sa rotate', 'token get'] as const;
/**
 * A secret still in flight cannot be saved: the server has answered but the process, killed
 * this soon after, may not have read the answer yet. Losses inside this window are counted
 * (a figure), losses after it fail the run.
 */
const IN_FLIGHT_MS = 100;
type Command = (typeof COMMANDS)[number];

let world: World;
let userToken = '';
/** Deterministic "random" kill points, so a failure can be replayed (seed in the figures). */
let seed = Number(process.env.EUN_CRASH_SEED ?? Date.now() % 100_000);
function random(): number {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
}

interface Lane {
  sb: Sandbox;
  /** Management calls go through it: it tells when the server's answer left. */
  recorder: ReverseProxy;
  index: number;
  clientId: string;
  accountId: string;
}

/** Runs `args` and sends SIGKILL after `killAfterMs` (if it is still running). */
async function runAndKill(sb: Sandbox, args: string[], killAfterMs: number) {
  const running = startCli(args, { env: { ...sb.env, EUN_TOKEN: userToken }, timeoutMs: 30_000 });
  let killedAt = Number.POSITIVE_INFINITY;
  const timer = setTimeout(() => {
    killedAt = Date.now();
    running.child.kill('SIGKILL');
  }, killAfterMs);
  const result = await running.result;
  clearTimeout(timer);
  return { ...result, killedAt };
}

beforeAll(async () => {
  world = await startWorld(figures);
  userToken = await world.userToken('eunifyer');
}, 60_000);
afterAll(async () => {
  // Token requests the emulator saw (management calls are not counted by it).
  if (world) figures.requests += (await world.emu.stats()).tokenRequests.total;
  await world?.stop();
  figures.publish();
});

describe('crash safety', () => {
  it('kill -9 at random points leaves readable state, a working next command and no lost secret', async () => {
    figures.extra.seed = seed;
    // How long each command takes when left alone: kill points are drawn over that span.
    const lanes: Lane[] = await Promise.all(
      Array.from({ length: LANES }, async (_, index) => {
        const sb = new Sandbox();
        writeProfiles(sb, world.emu);
        const recorder = await startReverseProxy(world.emu.base);
        const config = readConfig(sb);
        config.profiles.e!.api = recorder.url;
        writeConfig(sb, config);
        figures.cliRuns++;
        const r = await sb.run(['sa', 'create', '--name', `crash-default-${index}`, '--default', '--scope', 'partner:orgs:read'], { env: { EUN_TOKEN: userToken } });
        expect(r.code, r.stderr).toBe(0);
        return { sb, recorder, index, clientId: /clientId: (\S+)/.exec(r.stdout)?.[1] ?? '', accountId: /id: (\S+)/.exec(r.stdout)?.[1] ?? '' };
      }),
    );
    const spans: Record<Command, number> = { 'sa create': 0, 'sa rotate': 0, 'token get': 0 };
    for (const command of COMMANDS) {
      const t0 = Date.now();
      figures.cliRuns++;
      const r = await lanes[0]!.sb.run(argsOf(command, lanes[0]!, 'warmup'), { env: { EUN_TOKEN: userToken } });
      expect(r.code, r.stderr).toBe(0);
      spans[command] = Date.now() - t0;
    }
    for (const [command, ms] of Object.entries(spans)) figures.extra[`${command} run ms`] = ms;

    let killed = 0;
    let finished = 0;
    let printedOnly = 0;
    let inFlight = 0;
    let strayCount = 0;
    const strayNames = new Set<string>();
    const problems = (
      await Promise.all(
        lanes.map(async (lane) => {
          const out: string[] = [];
          for (let i = 0; i < RUNS_PER_LANE; i++) {
            const command = COMMANDS[i % COMMANDS.length]!;
            // Kill points over the run's whole span (some land before start-up, some after the end).
            const killAfter = Math.floor(30 + random() * spans[command] * 1.3);
            const name = `crash-${lane.index}-${i}`;
            out.push(
              ...(await figures.run(`${command} killed at ${killAfter} ms (lane ${lane.index}, run ${i})`, async (check) => {
                if (command === 'token get' && i % 2 === 0) {
                  // Half the token gets must mint (not answer from the cache), to be killed mid-mint.
                  figures.cliRuns++;
                  await lane.sb.run(['token', 'clear']);
                }
                figures.cliRuns++;
                const since = lane.recorder.requests.length;
                const r = await runAndKill(lane.sb, argsOf(command, lane, name), killAfter);
                // How long before the kill the server's create or rotate answer had fully left (negative:
                // it never did, the client was killed first; undefined: no such request was made).
                const answer = lane.recorder.requests.slice(since).find((q) => q.method === 'POST');
                const sinceAnswer = answer ? (answer.answeredAt === undefined ? -1 : r.killedAt - answer.answeredAt) : undefined;
                const lost = (what: string) => {
                  if (sinceAnswer !== undefined && sinceAnswer < IN_FLIGHT_MS) inFlight++;
                  else check.ok(false, `${what} (killed ${sinceAnswer ?? '?'} ms after the server's answer left)`);
                };
                if (r.signal === 'SIGKILL') killed++;
                else finished++;
                check.ok(r.signal === 'SIGKILL' || r.code === 0, `${command} ended with exit ${r.code}: ${firstLine(r.stderr)}`);
                for (const p of stateProblems(lane.sb)) check.ok(false, p);
                const stored = storedClientSecrets(lane.sb);
                const printed = /clientSecret: (\S+)/.exec(r.stdout)?.[1];
                if (command === 'sa rotate') {
                  // The live secret is in the store, or the killed run printed it.
                  const fromStore = await mints(world.emu, lane.clientId, stored.get(lane.clientId));
                  const fromOutput = !fromStore && (await mints(world.emu, lane.clientId, printed));
                  if (fromOutput) printedOnly++;
                  if (!fromStore && !fromOutput) lost('the live secret is neither stored nor printed');
                  if (!fromStore && fromOutput) {
                    // What a user would do with the printed secret: import it, so the next command works.
                    figures.cliRuns++;
                    await lane.sb.run(['sa', 'import', lane.clientId], { input: `${printed}\n` });
                  }
                  if (!fromStore && !fromOutput) {
                    // Lost in flight: rotate again (not killed) so the lane goes on with a live secret.
                    figures.cliRuns++;
                    await lane.sb.run(argsOf('sa rotate', lane, name), { env: { EUN_TOKEN: userToken } });
                  }
                }
                if (command === 'sa create') {
                  const created = await serverAccount(name);
                  if (created) {
                    const fromStore = await mints(world.emu, created.clientId, stored.get(created.clientId));
                    const fromOutput = !fromStore && (await mints(world.emu, created.clientId, printed));
                    if (fromOutput) printedOnly++;
                    if (!fromStore && !fromOutput) lost(`the server created ${name} but its secret is neither stored nor printed`);
                  }
                }
                // The next command works.
                figures.cliRuns++;
                const next = await lane.sb.run(['token', 'get']);
                check.ok(next.code === 0, `the next token get: exit ${next.code}: ${firstLine(next.stderr)}`);
              })),
            );
          }
          const strays = strayTempFiles(lane.sb);
          strayCount += strays.length;
          for (const f of strays) strayNames.add(f.slice(lane.sb.dir.length).replace(/\.\d+\.[0-9a-f]+\.tmp$/, '.PID.tmp').replace(/[0-9a-f]{16,}/g, 'HASH'));
          if (strays.length > 0) {
            // Temp files of killed writers (copies of the store or a token) go with the next write there.
            await new Promise((r) => setTimeout(r, 2100));
            figures.cliRuns += 2;
            await lane.sb.run(argsOf('sa rotate', lane, 'final'), { env: { EUN_TOKEN: userToken } });
            await lane.sb.run(['token', 'get', '--force-refresh']);
            const left = strayTempFiles(lane.sb).filter((f) => /\/(config|cache\/tokens)\//.test(f.slice(lane.sb.dir.length)));
            out.push(...left.map((f) => `a killed writer's temp file outlived the next write: ${f.slice(lane.sb.dir.length)}`));
          }
          return out;
        }),
      )
    ).flat();
    figures.extra['runs killed'] = killed;
    figures.extra['runs that finished before the kill'] = finished;
    figures.extra['secrets only printed (not stored)'] = printedOnly;
    figures.extra['stray temp files'] = `${strayCount}${strayNames.size ? ` (${[...strayNames].join(', ')})` : ''}`;
    figures.extra[`secrets lost in flight (killed < ${IN_FLIGHT_MS} ms after the answer)`] = inFlight;
    for (const lane of lanes) {
      figures.requests += lane.recorder.requests.length;
      await lane.recorder.close();
      lane.sb.cleanup();
    }
    expect(problems).toEqual([]);
  }, 180_000);
});

function argsOf(command: Command, lane: Lane, name: string): string[] {
  switch (command) {
    case 'sa create':
      return ['sa', 'create', '--name', name, '--scope', 'partner:orgs:read'];
    case 'sa rotate':
      return ['sa', 'rotate', lane.accountId, '--yes'];
    case 'token get':
      return ['token', 'get'];
  }
}

/** The server's account named `name`, if it made one. */
async function serverAccount(name: string): Promise<{ clientId: string } | undefined> {
  const res = await fetch(`${world.emu.base}/api/v1/developer/service-principals?limit=100&page=1`, { headers: { authorization: `Bearer ${userToken}` } });
  let page = (await res.json()) as { data: Array<{ name: string; clientId: string }>; meta: { total: number } };
  const all = [...page.data];
  for (let p = 2; all.length < page.meta.total && p < 20; p++) {
    const next = await fetch(`${world.emu.base}/api/v1/developer/service-principals?limit=100&page=${p}`, { headers: { authorization: `Bearer ${userToken}` } });
    page = (await next.json()) as typeof page;
    all.push(...page.data);
  }
  return all.find((a) => a.name === name);
}
