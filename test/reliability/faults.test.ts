/**
 * Area 1, faults: every command that talks to a server, against every fault mode of the
 * emulator and against unreachable hosts. Each run must end within its bound with the exit
 * code of CLI.md, one line (plus a hint) on stderr, no stack, no HTML, and leave the config,
 * secret store and cache readable.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/cli.js';
import { type Emulator, type FaultSpec, type Flavor, clientCredentials, startEmulator } from '../helpers/emulator.js';
import { AreaFigures } from './figures.js';
import { errorShapeProblems, firstLine, pool, readConfig, stateProblems, storedSecrets, writeConfig, writeProfiles, writeSecretsFile } from './world.js';

const figures = new AreaFigures('1 faults');
const MODES: FaultSpec['mode'][] = ['503', '429', 'html502', 'nonjson', 'truncated', 'huge', 'hang', 'drop'];
/** Per-attempt HTTP budget of the runs: a hang costs at most 3 attempts of it. */
const HTTP_TIMEOUT = '750ms';
/**
 * A run ends within one request's budget (3 × 750 ms, or two 1 s Retry-Afters) plus start-up
 * and the requests before the faulty one: 8 s leaves room for a loaded 2-core machine, and
 * still fails a run that waits for the 20 s kill.
 */
const BOUND_MS = 8000;
const LANES = 4;

/** A lane: its own emulator, so faults of parallel cases never cross. */
interface Lane {
  emu: Emulator;
  accounts: Record<Flavor, { id: string; clientId: string; clientSecret: string }>;
  userTokens: Record<Flavor, { access: string; refresh: string }>;
  jwt: string;
}

/** One command under one fault. */
interface FaultCase {
  name: string;
  /** Path prefix the fault is armed on. */
  path: (lane: Lane) => string;
  args: (lane: Lane) => string[];
  env?: (lane: Lane) => Record<string, string>;
  input?: (lane: Lane) => string;
  /** Plant a stored session whose access token has expired (so the command refreshes first). */
  expiredSession?: Flavor;
  /** Exit code and what stderr must say when it is not an error by design. */
  expect?: { code: number; stderr: RegExp };
  /** Only these modes (commands that share a code path with a fully covered one); default all. */
  modes?: FaultSpec['mode'][];
  /** Modes where success is right (e.g. RFC 7009: the body of a 200 revocation answer is ignored). */
  succeedsOn?: FaultSpec['mode'][];
}

const TOKEN: Record<Flavor, string> = { eunifyer: '/realms/eunify/protocol/openid-connect/token', centrali: '/centrali/oidc/token' };
const COLLECTION: Record<Flavor, string> = {
  eunifyer: '/api/v1/developer/service-principals',
  centrali: '/centrali/workspace/acme-corp/api/v1/service-accounts',
};
const mgmt = (flavor: Flavor) => (lane: Lane) => ({ EUN_TOKEN: lane.userTokens[flavor].access });
const ciEnv = (flavor: Flavor) => (lane: Lane) => ({
  EUN_ISSUER: flavor === 'eunifyer' ? lane.emu.eunifyer.issuer : lane.emu.centrali.issuer,
  EUN_CLIENT_ID: lane.accounts[flavor].clientId,
  EUN_CLIENT_SECRET: lane.accounts[flavor].clientSecret,
});
const account = (flavor: Flavor) => (lane: Lane) => `${COLLECTION[flavor]}/${lane.accounts[flavor].id}`;

const CASES: FaultCase[] = [
  { name: 'token get (token endpoint)', path: () => TOKEN.eunifyer, args: () => ['token', 'get'], env: ciEnv('eunifyer') },
  { name: 'token get centrali (token endpoint)', path: () => TOKEN.centrali, args: () => ['token', 'get'], env: ciEnv('centrali'), modes: ['503', 'truncated', 'huge'] },
  { name: 'token get (discovery)', path: () => '/realms/eunify/.well-known', args: () => ['token', 'get'], env: ciEnv('eunifyer') },
  {
    name: 'token inspect --verify (JWKS)',
    path: () => '/realms/eunify/protocol/openid-connect/certs',
    args: (l) => ['token', 'inspect', '--verify', '--issuer', l.emu.eunifyer.issuer],
    input: (l) => l.jwt,
  },
  { name: 'sa list', path: () => COLLECTION.eunifyer, args: () => ['sa', 'list'], env: mgmt('eunifyer') },
  { name: 'sa list centrali', path: () => COLLECTION.centrali, args: () => ['sa', 'list', '--profile', 'c'], env: mgmt('centrali') },
  { name: 'sa get', path: account('eunifyer'), args: (l) => ['sa', 'get', l.accounts.eunifyer.id], env: mgmt('eunifyer'), modes: ['429', 'nonjson', 'drop'] },
  { name: 'sa create', path: () => COLLECTION.eunifyer, args: () => ['sa', 'create', '--name', 'faulty'], env: mgmt('eunifyer') },
  {
    name: 'sa create centrali',
    path: () => COLLECTION.centrali,
    args: () => ['sa', 'create', '--name', 'faulty', '--profile', 'c'],
    env: mgmt('centrali'),
  },
  { name: 'sa rotate', path: account('eunifyer'), args: (l) => ['sa', 'rotate', l.accounts.eunifyer.id, '--yes'], env: mgmt('eunifyer') },
  {
    name: 'sa rotate centrali',
    path: account('centrali'),
    args: (l) => ['sa', 'rotate', String(l.accounts.centrali.id), '--yes', '--profile', 'c'],
    env: mgmt('centrali'),
  },
  { name: 'sa rename', path: account('eunifyer'), args: (l) => ['sa', 'rename', l.accounts.eunifyer.id, 'renamed'], env: mgmt('eunifyer'), modes: ['html502', 'hang', 'truncated'] },
  {
    name: 'sa update',
    path: account('eunifyer'),
    args: (l) => ['sa', 'update', l.accounts.eunifyer.id, '--description', 'changed'],
    env: mgmt('eunifyer'),
    modes: ['503', 'huge', 'drop'],
  },
  { name: 'sa revoke', path: account('eunifyer'), args: (l) => ['sa', 'revoke', l.accounts.eunifyer.id, '--yes'], env: mgmt('eunifyer'), modes: ['429', 'nonjson', 'hang'] },
  { name: 'sa delete', path: account('eunifyer'), args: (l) => ['sa', 'delete', l.accounts.eunifyer.id, '--yes'], env: mgmt('eunifyer'), modes: ['html502', 'truncated', 'drop'] },
  {
    name: 'sa pat create',
    path: account('eunifyer'),
    args: (l) => ['sa', 'pat', 'create', l.accounts.eunifyer.id, '--name', 'p1'],
    env: mgmt('eunifyer'),
    modes: ['503', 'nonjson', 'hang'],
  },
  { name: 'sa pat list', path: account('eunifyer'), args: (l) => ['sa', 'pat', 'list', l.accounts.eunifyer.id], env: mgmt('eunifyer'), modes: ['429', 'huge', 'truncated'] },
  {
    name: 'sa import (check mint)',
    path: () => TOKEN.eunifyer,
    args: (l) => ['sa', 'import', l.accounts.eunifyer.clientId],
    input: (l) => `${l.accounts.eunifyer.clientSecret}\n`,
    expect: { code: 0, stderr: /warning: could not check the secret .*storing it unchecked/ },
  },
  { name: 'whoami (refresh)', path: () => TOKEN.eunifyer, args: () => ['whoami'], expiredSession: 'eunifyer' },
  { name: 'sa list (session refresh)', path: () => TOKEN.eunifyer, args: () => ['sa', 'list'], expiredSession: 'eunifyer', modes: ['html502', 'nonjson', 'drop'] },
  { name: 'login (device flow)', path: () => '/realms/eunify/protocol/openid-connect/auth/device', args: () => ['login', '--no-browser'] },
  {
    name: 'logout (revocation)',
    path: () => '/realms/eunify/protocol/openid-connect/revoke',
    args: () => ['logout'],
    expiredSession: 'eunifyer',
    expect: { code: 0, stderr: /warning: could not revoke the session/ },
    succeedsOn: ['nonjson'],
  },
];

/** Commands against hosts that cannot be reached: a closed port and a name that does not resolve. */
const UNREACHABLE = [
  { name: 'closed port', issuer: 'http://127.0.0.1:1/realms/eunify', api: 'http://127.0.0.1:1' },
  { name: 'DNS failure', issuer: 'https://auth.eun-test.invalid/realms/eunify', api: 'https://api.eun-test.invalid' },
];
const UNREACHABLE_COMMANDS: Array<{ name: string; args: string[]; env?: (issuer: string) => Record<string, string>; input?: string }> = [
  { name: 'token get', args: ['token', 'get'], env: (issuer) => ({ EUN_ISSUER: issuer, EUN_CLIENT_ID: 'ci_unreachable', EUN_CLIENT_SECRET: 'sk_unreachable' }) },
  { name: 'sa list', args: ['sa', 'list', '--profile', 'x'], env: () => ({ EUN_TOKEN: 'not-a-real-token' }) },
  { name: 'sa create', args: ['sa', 'create', '--name', 'x', '--profile', 'x'], env: () => ({ EUN_TOKEN: 'not-a-real-token' }) },
  { name: 'login', args: ['login', '--no-browser', '--profile', 'x'] },
  { name: 'token inspect --verify', args: ['token', 'inspect', '--verify', '--profile', 'x'] },
];

let lanes: Lane[] = [];
const durations: number[] = [];

/** Requests the failed run made, as its message counts them ("(4 attempts in 2.1s)"), else one. */
function attempts(stderr: string): number {
  return Number(/\((\d+) attempts in/.exec(stderr)?.[1] ?? 1);
}

async function startLane(): Promise<Lane> {
  const emu = await startEmulator();
  const [e, c, ue, uc] = await Promise.all([
    emu.createServiceAccount('eunifyer', { name: 'fault-bot', scopes: ['partner:orgs:read'] }),
    emu.createServiceAccount('centrali', { name: 'fault-bot' }),
    emu.userToken('eunifyer', { ttl: 3600 }),
    emu.userToken('centrali', { ttl: 3600 }),
  ]);
  const minted = await clientCredentials(emu, 'eunifyer', e);
  return {
    emu,
    accounts: { eunifyer: { ...e, id: String(e.id) }, centrali: { ...c, id: String(c.id) } },
    userTokens: { eunifyer: { access: ue.access_token, refresh: ue.refresh_token ?? '' }, centrali: { access: uc.access_token, refresh: uc.refresh_token ?? '' } },
    jwt: String(minted.body.access_token),
  };
}

/** A session whose access token expired a minute ago, so that the next use refreshes it. */
function plantExpiredSession(sb: Sandbox, lane: Lane, flavor: Flavor): void {
  const host = new URL(lane.emu.base).host;
  const session = {
    version: 1,
    accessToken: lane.userTokens[flavor].access,
    refreshToken: lane.userTokens[flavor].refresh,
    tokenType: 'Bearer',
    expiresAt: new Date(Date.now() - 60_000).toISOString(),
    issuer: flavor === 'eunifyer' ? lane.emu.eunifyer.issuer : lane.emu.centrali.issuer,
    clientId: 'eun-cli',
    method: 'device',
    updatedAt: new Date().toISOString(),
  };
  const doc = { version: 1, secrets: { [`eun:${PROFILE_OF[flavor]}@${host}`]: { session: JSON.stringify(session) } } };
  writeSecretsFile(sb, doc);
}
const PROFILE_OF: Record<Flavor, string> = { eunifyer: 'e', centrali: 'c' };

beforeAll(async () => {
  lanes = await Promise.all(Array.from({ length: LANES }, startLane));
}, 60_000);
afterAll(async () => {
  await Promise.all(lanes.map((l) => l.emu.stop()));
  figures.publish();
});

describe('faults: every server-facing command under every fault mode', () => {
  it('ends in bound with the CLI.md exit code, one line, and readable state', async () => {
    const jobs = CASES.flatMap((c) => (c.modes ?? MODES).map((mode) => ({ c, mode })));
    const queues: Array<typeof jobs> = lanes.map(() => []);
    jobs.forEach((job, i) => queues[i % lanes.length]!.push(job));
    const problems: string[] = [];
    await Promise.all(
      lanes.map(async (lane, index) => {
        for (const { c, mode } of queues[index]!) {
          problems.push(
            ...(await figures.run(`${c.name} / ${mode}`, async (check) => {
              const sb = new Sandbox({ EUN_HTTP_TIMEOUT: HTTP_TIMEOUT, BROWSER: 'none' });
              try {
                writeProfiles(sb, lane.emu);
                if (c.expiredSession) plantExpiredSession(sb, lane, c.expiredSession);
                const before = JSON.stringify(storedSecrets(sb));
                await lane.emu.clearFaults();
                await lane.emu.fault({ path: c.path(lane), mode, count: 100, retryAfter: 1 });
                figures.cliRuns++;
                const r = await sb.run(c.args(lane), {
                  env: c.env?.(lane) ?? {},
                  ...(c.input ? { input: c.input(lane) } : {}),
                  timeoutMs: 20_000,
                });
                figures.requests += attempts(r.stderr);
                check.bound(r.ms, BOUND_MS);
                durations.push(r.ms);
                if (c.succeedsOn?.includes(mode)) {
                  check.ok(r.code === 0, `exit ${r.code}: ${firstLine(r.stderr)}`);
                } else if (c.expect) {
                  check.ok(r.code === c.expect.code, `exit ${r.code}: ${firstLine(r.stderr)}`);
                  check.ok(c.expect.stderr.test(r.stderr), `stderr lacks the warning: ${firstLine(r.stderr)}`);
                  check.ok(!/\n\s+at .+[:(]|<html|\u001b/i.test(r.stderr), 'stack, HTML or ESC on stderr');
                } else {
                  for (const p of errorShapeProblems(r, 5)) check.ok(false, p);
                }
                for (const p of stateProblems(sb)) check.ok(false, p);
                // A failed refresh or revocation must not lose or mangle the stored session.
                if (c.expiredSession && !c.expect) check.ok(JSON.stringify(storedSecrets(sb)) === before, 'the stored session changed');
              } finally {
                await lane.emu.clearFaults();
                sb.cleanup();
              }
            })),
          );
        }
      }),
    );
    durations.sort((a, b) => a - b);
    figures.extra['run ms p50'] = durations[Math.floor(durations.length / 2)] ?? 0;
    figures.extra['run ms max'] = durations.at(-1) ?? 0;
    figures.extra.modes = MODES.length;
    figures.extra.commands = CASES.length;
    expect(problems).toEqual([]);
  }, 240_000);

  it('reports unreachable hosts (closed port, DNS failure) with exit 5 in bound', async () => {
    const lane = lanes[0]!;
    const jobs = UNREACHABLE.flatMap((host) => UNREACHABLE_COMMANDS.map((cmd) => ({ host, cmd })));
    const results = await pool(LANES, jobs.map(({ host, cmd }) => () =>
      figures.run(`${cmd.name} / ${host.name}`, async (check) => {
        const sb = new Sandbox({ EUN_HTTP_TIMEOUT: HTTP_TIMEOUT, BROWSER: 'none' });
        try {
          writeProfiles(sb, lane.emu);
          const config = readConfig(sb);
          config.profiles.x = { flavor: 'eunifyer', issuer: host.issuer, api: host.api };
          writeConfig(sb, config);
          figures.cliRuns++;
          const r = await sb.run(cmd.args, { env: cmd.env?.(host.issuer) ?? {}, input: lane.jwt, timeoutMs: 20_000 });
          figures.requests += attempts(r.stderr);
          check.bound(r.ms, BOUND_MS);
          for (const p of errorShapeProblems(r, 5)) check.ok(false, p);
          for (const p of stateProblems(sb)) check.ok(false, p);
        } finally {
          sb.cleanup();
        }
      }),
    ));
    expect(results.flat()).toEqual([]);
  }, 120_000);
});

describe('faults: refresh-ahead against an issuer that hangs', () => {
  it('token get in the refresh window answers from the cache at once; the background mint ends within its budget', async () => {
    const lane = lanes[0]!;
    const problems = await figures.run('token get in the refresh window / hang', async (check) => {
      const sb = new Sandbox({ EUN_HTTP_TIMEOUT: HTTP_TIMEOUT });
      const account = await lane.emu.createServiceAccount('eunifyer', { name: 'refresh-ahead', scopes: ['partner:orgs:read'] });
      const env = { EUN_ISSUER: lane.emu.eunifyer.issuer, EUN_CLIENT_ID: account.clientId, EUN_CLIENT_SECRET: account.clientSecret };
      try {
        // 3 s tokens: after 2.2 s the cached one is in its refresh window (last third) and still fresh.
        await lane.emu.settings({ tokenTtl: { eunifyer: 3 } });
        figures.cliRuns++;
        const first = await sb.run(['token', 'get'], { env });
        check.ok(first.code === 0, `the first token get: exit ${first.code}: ${firstLine(first.stderr)}`);
        await new Promise((r) => setTimeout(r, 2200));
        await lane.emu.fault({ path: TOKEN.eunifyer, mode: 'hang', count: 100 });
        figures.cliRuns++;
        const hit = await sb.run(['token', 'get'], { env });
        check.ok(hit.code === 0, `token get in the refresh window: exit ${hit.code}: ${firstLine(hit.stderr)}`);
        check.ok(hit.stdout === first.stdout, 'it did not print the cached token');
        check.bound(hit.ms, 2000, 'token get in the refresh window');
        // The detached mint is under way (hanging on the issuer), then gives up within one
        // request's budget (3 × 750 ms) and exits.
        let running = refreshers(account.clientId);
        check.ok(running.length > 0, 'no background refresh was started');
        const deadline = Date.now() + 3 * 750 + 3000;
        while (running.length > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          running = refreshers(account.clientId);
        }
        check.ok(running.length === 0, `${running.length} background refresh processes still running after their budget`);
        for (const p of stateProblems(sb)) check.ok(false, p);
      } finally {
        await lane.emu.clearFaults();
        await lane.emu.settings({ tokenTtl: { eunifyer: 900 } });
        sb.cleanup();
      }
    });
    expect(problems).toEqual([]);
  }, 30_000);
});

/** Refresh-ahead processes (src/hot/refresh-ahead.js) working for `clientId`. */
function refreshers(clientId: string): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .filter((line) => line.includes('refresh-ahead') && line.includes(clientId))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}
