/**
 * Area 2, bad input: a corpus of hostile and malformed arguments, flags and stdin for every
 * command. Each gets the right exit code (2 for usage) with a one-line message, nothing the
 * server would refuse for its form reaches it (management calls go through a recording
 * proxy; token requests are counted by the emulator), and no terminal escape from the input
 * or from a hostile server reaches the terminal raw.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliResult, Sandbox } from '../helpers/cli.js';
import { type ReverseProxy, startReverseProxy } from '../helpers/proxy.js';
import { AreaFigures } from './figures.js';
import { EVIL, type HostileServer, startHostileServer } from './hostile-server.js';
import { type World, errorShapeProblems, firstLine, pool, readConfig, startWorld, stateProblems, writeConfig, writeProfiles } from './world.js';

const figures = new AreaFigures('2 bad input');

/** A value that must reach argv as raw bytes (invalid UTF-8), through the shell's printf. */
interface RawBytes {
  printf: string;
}
type Value = string | RawBytes;

const TEN_KB = 'a'.repeat(10 * 1024);
/** The corpus, by kind. */
const CORPUS: Record<string, Value> = {
  empty: '',
  blank: '   ',
  tenKb: TEN_KB,
  control: 'a\u0001b',
  newline: 'a\nb',
  ansi: '\u001b[31mred\u001b[0m',
  c1: 'a\u009bb',
  traversal: '../../etc/passwd',
  invalidUtf8: { printf: '\\377\\376ok' },
};
/** REFs: the same, but a traversal no name-taking case creates. */
const REFS: Record<string, Value> = { ...CORPUS, traversal: '../../__admin/stats' };
const URLS: Record<string, Value> = {
  credentials: 'https://user:secret@auth.eun-test.invalid/realms/x',
  file: 'file:///etc/passwd',
  plainHttp: 'http://auth.eun-test.invalid/realms/x',
  javascript: 'javascript:alert(1)',
  ftp: 'ftp://auth.eun-test.invalid/x',
  query: 'https://auth.eun-test.invalid/realms/x?next=http://evil',
  empty: '',
  ansi: 'https://auth.eun-test.invalid/\u001b[31m',
  tenKb: `https://${TEN_KB}.eun-test.invalid`,
};
const NUMBERS: Record<string, Value> = {
  negative: '-1',
  zero: '0',
  word: 'abc',
  exponent: '1e3',
  hex: '0x10',
  huge: '99999999999999999999',
  fraction: '1.5',
  empty: '',
};

/** One slot of one command that takes hostile values. */
interface Target {
  name: string;
  args: (v: Value) => Value[];
  /** Values fed to this slot. */
  values: Record<string, Value>;
  /** Exit codes allowed per kind (default: 2). */
  codes?: Record<string, number[]>;
  /** The value goes to stdin instead of argv. */
  stdin?: boolean;
  env?: (lane: Lane) => Record<string, string>;
}

let world: World;
/** Lanes run targets in parallel, each with its own sandbox, recording proxy and client ids. */
interface Lane {
  sb: Sandbox;
  recorder: ReverseProxy;
  index: number;
}
let lanes: Lane[] = [];
let hostile: HostileServer;
let accountId = '';
let userToken = '';

const mgmt = () => ({ EUN_TOKEN: userToken });
const ci = (lane: Lane) => ({ EUN_ISSUER: world.emu.eunifyer.issuer, EUN_CLIENT_ID: `ci_unknown${lane.index}`, EUN_CLIENT_SECRET: 'sk_unknown' });
const NAME_OK = { traversal: [0], invalidUtf8: [0, 2] };
const REF_CODES = { traversal: [3], invalidUtf8: [3, 2] };

const TARGETS: Target[] = [
  { name: 'sa create --name', args: (v) => ['sa', 'create', '--name', v], values: CORPUS, codes: NAME_OK, env: mgmt },
  { name: 'sa rename NEW_NAME', args: (v) => ['sa', 'rename', accountId, v], values: CORPUS, codes: NAME_OK, env: mgmt },
  {
    name: 'sa update --description',
    args: (v) => ['sa', 'update', accountId, '--description', v],
    values: CORPUS,
    codes: { empty: [0], blank: [0], newline: [0], traversal: [0], invalidUtf8: [0, 2] },
    env: mgmt,
  },
  {
    name: 'sa create --scope',
    args: (v) => ['sa', 'create', '--name', 'scoped', '--scope', v],
    values: CORPUS,
    // Well-formed scopes the server does not know are its call (400 unknown scope, exit 2).
    codes: { empty: [0], blank: [0], newline: [2], tenKb: [2], traversal: [2] },
    env: mgmt,
  },
  { name: 'sa get REF', args: (v) => ['sa', 'get', v], values: REFS, codes: REF_CODES, env: mgmt },
  { name: 'sa rotate REF', args: (v) => ['sa', 'rotate', v, '--yes'], values: REFS, codes: REF_CODES, env: mgmt },
  { name: 'sa delete REF', args: (v) => ['sa', 'delete', v, '--yes'], values: REFS, codes: REF_CODES, env: mgmt },
  { name: 'sa pat create --name', args: (v) => ['sa', 'pat', 'create', accountId, '--name', v], values: CORPUS, codes: NAME_OK, env: mgmt },
  { name: 'sa list --page', args: (v) => ['sa', 'list', '--page', v], values: NUMBERS, env: mgmt },
  { name: 'sa list --limit', args: (v) => ['sa', 'list', '--limit', v], values: NUMBERS, env: mgmt },
  // An escape in a URL's path is percent-encoded by the URL parser: harmless, so it may be accepted.
  { name: 'profile add --issuer', args: (v) => ['profile', 'add', 'p1', '--flavor', 'eunifyer', '--issuer', v], values: URLS, codes: { ansi: [0, 2] } },
  // An empty --api means "none" (the issuer's host is used).
  {
    name: 'profile add --api',
    args: (v) => ['profile', 'add', 'p2', '--flavor', 'eunifyer', '--issuer', 'https://auth.eun-test.invalid/realms/x', '--api', v],
    values: URLS,
    codes: { ansi: [0, 2], empty: [0, 2] },
  },
  { name: 'profile add NAME', args: (v) => ['profile', 'add', v, '--flavor', 'eunifyer', '--issuer', 'https://auth.eun-test.invalid/realms/x'], values: CORPUS },
  {
    name: 'profile add --workspace',
    args: (v) => ['profile', 'add', 'p3', '--flavor', 'centrali', '--issuer', 'https://auth.eun-test.invalid', '--workspace', v],
    values: CORPUS,
  },
  // An empty --profile means "not given": the active one.
  { name: '--profile', args: (v) => ['sa', 'list', '--profile', v], values: CORPUS, codes: { empty: [0] }, env: mgmt },
  // An empty endpoint flag is "not given": the profile's issuer, which refuses the unknown client (4).
  // A URL whose path holds an escape is percent-encoded and fine; it fails DNS (.invalid): 5.
  {
    name: 'token get --issuer',
    args: (v) => ['token', 'get', '--issuer', v, '--client-id', 'ci_x'],
    values: URLS,
    codes: { empty: [4], ansi: [5], tenKb: [2, 5] },
    env: () => ({ EUN_CLIENT_SECRET: 'sk_x' }),
  },
  {
    name: 'token get --token-url',
    args: (v) => ['token', 'get', '--token-url', v, '--client-id', 'ci_x'],
    values: URLS,
    codes: { empty: [4], ansi: [5], tenKb: [2, 5] },
    env: () => ({ EUN_CLIENT_SECRET: 'sk_x' }),
  },
  // A well-formed but unknown client id is the issuer's call: exit 4.
  // An empty or blank --client-id is "not given": EUN_CLIENT_ID's unknown client (4).
  { name: 'token get --client-id', args: (v) => ['token', 'get', '--client-id', v], values: CORPUS, codes: { empty: [4], blank: [4], traversal: [4] }, env: ci },
  { name: 'token get --scope', args: (v) => ['token', 'get', '--scope', v], values: CORPUS, codes: { empty: [4], blank: [4], newline: [4], traversal: [4], tenKb: [2, 4] }, env: ci },
  // 0, 1.5 (seconds) and 10^20 s are well-formed durations (a --min-ttl beyond the token's
  // lifetime gets a warning): the unknown client is then refused by the issuer.
  { name: 'token get --min-ttl', args: (v) => ['token', 'get', '--min-ttl', v], values: NUMBERS, codes: { zero: [4], fraction: [4], huge: [2, 4] }, env: ci },
  // 10 kB of "a" is a good variable name.
  { name: 'token exec --env', args: (v) => ['token', 'exec', '--env', v, '--', 'true'], values: CORPUS, codes: { tenKb: [4] }, env: ci },
  { name: 'token inspect TOKEN', args: (v) => ['token', 'inspect', v], values: CORPUS },
  { name: 'token inspect stdin', args: () => ['token', 'inspect'], values: CORPUS, stdin: true },
  { name: 'login --with-token stdin', args: () => ['login', '--with-token'], values: CORPUS, stdin: true, codes: { tenKb: [0, 2], traversal: [0, 2] } },
  // A well-formed secret that is wrong is refused by the issuer when checked: exit 4.
  { name: 'sa import stdin', args: () => ['sa', 'import', 'ci_unknown'], values: CORPUS, stdin: true, codes: { tenKb: [2, 4], traversal: [4] } },
  { name: 'sa import CLIENT_ID', args: (v) => ['sa', 'import', v], values: CORPUS },
  {
    name: 'EUN_TOKEN',
    args: () => ['sa', 'list'],
    values: Object.fromEntries(Object.entries(CORPUS).filter(([kind]) => kind !== 'invalidUtf8')),
    // An empty EUN_TOKEN is unset (no session: exit 4); a well-formed unknown token is refused by the server.
    codes: { empty: [4], blank: [2, 4], traversal: [4], tenKb: [4] },
  },
];

/** Runs the CLI in `sb` with argv that may hold raw bytes (through bash's printf) and stdin that may. */
function runRaw(sb: Sandbox, args: Value[], env: Record<string, string>, stdin: Value | undefined): Promise<CliResult> {
  const started = Date.now();
  const words = args.map((a, i) => (typeof a === 'string' ? `"$A${i}"` : `"$(printf '${a.printf}')"`));
  const vars: Record<string, string> = {};
  args.forEach((a, i) => {
    if (typeof a === 'string') vars[`A${i}`] = a;
  });
  const script = `exec "$EUN_NODE" "$EUN_BIN" ${words.join(' ')}`;
  const child = spawn('bash', ['-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...sb.env, ...env, ...vars, EUN_NODE: process.execPath, EUN_BIN: BIN },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => {});
  if (stdin === undefined) child.stdin.end();
  else if (typeof stdin === 'string') child.stdin.end(stdin);
  else child.stdin.end(Buffer.from(stdin.printf.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1'));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Raw bytes a terminal would act on: ESC, BEL, and C1 controls (UTF-8 C2 80-9F; output is read as latin1). */
function rawEscapes(text: string): boolean {
  return /[\u001b\u0007]|\u00c2[\u0080-\u009f]/.test(text);
}

/** Requests a management call got refused for their form (400), other than unknown scopes (the server's call). */
function formRejections(recorder: ReverseProxy, since: number): string[] {
  return recorder.requests
    .slice(since)
    .filter((r) => r.status === 400 && !/unknown scope/.test(r.answer ?? ''))
    .map((r) => `${r.method} ${r.path.slice(0, 80)} → 400 ${r.answer?.slice(0, 80)}`);
}

/** Token requests the emulator saw from the clients of one lane. */
async function laneTokenRequests(lane: Lane): Promise<number> {
  const byClient = (await world.emu.stats()).tokenRequests.byClient;
  return (byClient[`ci_unknown${lane.index}`] ?? 0) + (byClient[`ci_x${lane.index}`] ?? 0);
}

const LANES = 3;

beforeAll(async () => {
  world = await startWorld(figures, { EUN_HTTP_TIMEOUT: '2s' });
  hostile = await startHostileServer();
  userToken = await world.userToken('eunifyer');
  accountId = String((await world.emu.createServiceAccount('eunifyer', { name: 'target', scopes: ['partner:orgs:read'] })).id);
  lanes = await Promise.all(
    Array.from({ length: LANES }, async (_, index) => {
      const sb = new Sandbox({ EUN_HTTP_TIMEOUT: '2s' });
      writeProfiles(sb, world.emu);
      // Management calls of profile e go through the lane's recorder (the issuer stays the emulator).
      const recorder = await startReverseProxy(world.emu.base);
      const config = readConfig(sb);
      config.profiles.e!.api = recorder.url;
      config.profiles.h = { flavor: 'eunifyer', issuer: hostile.issuer, api: hostile.base };
      config.profiles.hendless = { flavor: 'eunifyer', issuer: hostile.issuer, api: `${hostile.base}/endless` };
      config.profiles.hbadtime = { flavor: 'eunifyer', issuer: hostile.issuer, api: `${hostile.base}/badtime` };
      config.profiles.hslow = { flavor: 'eunifyer', issuer: hostile.issuer, api: hostile.base, loginClientId: 'slow' };
      writeConfig(sb, config);
      return { sb, recorder, index };
    }),
  );
}, 60_000);
afterAll(async () => {
  await hostile?.close();
  for (const lane of lanes) {
    await lane.recorder.close();
    lane.sb.cleanup();
  }
  await world?.stop();
  figures.publish();
});

describe('bad input', () => {
  it('every hostile value gets the right exit code and one clean line, and nothing malformed reaches the server', async () => {
    const queues: Target[][] = lanes.map(() => []);
    TARGETS.forEach((t, i) => queues[i % LANES]!.push(t));
    const results = await Promise.all(lanes.map(async (lane) => {
      const problems: string[] = [];
      for (const t of queues[lane.index]!) {
        for (const [kind, value] of Object.entries(t.values)) {
          problems.push(
            ...(await figures.run(`${t.name} / ${kind}`, async (check) => {
              const since = lane.recorder.requests.length;
              const tokenBefore = await laneTokenRequests(lane);
              figures.cliRuns++;
              const envValue: Record<string, string> = t.name === 'EUN_TOKEN' && typeof value === 'string' ? { EUN_TOKEN: value } : {};
              const args = t.args(value).map((a) => (a === 'ci_x' ? `ci_x${lane.index}` : a));
              const r = await runRaw(lane.sb, args, { ...(t.env?.(lane) ?? {}), ...envValue }, t.stdin ? value : undefined);
              const codes = t.codes?.[kind] ?? [2];
              check.ok(codes.includes(r.code ?? -1), `exit ${r.code ?? r.signal} (want ${codes.join('|')}): ${firstLine(r.stderr)}`);
              if (r.code !== 0) {
                for (const p of errorShapeProblems(r, r.code ?? -1)) check.ok(false, p);
              }
              check.ok(!rawEscapes(r.stdout) && !rawEscapes(r.stderr), 'raw terminal escapes in the output');
              check.ok(!/\n\s+at .+[:(]/.test(r.stderr), 'a stack trace');
              const sent = lane.recorder.requests.length - since;
              const minted = (await laneTokenRequests(lane)) - tokenBefore;
              figures.requests += sent + minted;
              if (r.code === 2 && !t.codes?.[kind]?.includes(2)) {
                // A usage error found before any request: nothing went out.
                check.ok(sent === 0 && minted === 0, `${sent} management and ${minted} token requests before exit 2`);
              }
              for (const p of formRejections(lane.recorder, since)) check.ok(false, `sent something the server refuses for its form: ${p}`);
              const climbed = lane.recorder.requests.slice(since).find((q) => /(^|\/)\.\.(\/|$)/.test(q.path.split('?')[0]!));
              check.ok(!climbed, `a path climbed out: ${climbed?.path}`);
            })),
          );
        }
        for (const p of stateProblems(lane.sb)) problems.push(`state after ${t.name}: ${p}`);
      }
      return problems;
    }));
    figures.extra['corpus values'] = Object.keys(CORPUS).length + Object.keys(URLS).length + Object.keys(NUMBERS).length;
    figures.extra.targets = TARGETS.length;
    expect(results.flat()).toEqual([]);
  }, 240_000);

  it('strings from a hostile server never reach the terminal raw', async () => {
    const secret = { EUN_CLIENT_SECRET: 'sk_x' };
    const cases: Array<{ name: string; args: string[]; env?: Record<string, string>; codes: number[]; maxMs?: number; maxRequests?: number }> = [
      { name: 'sa list', args: ['sa', 'list', '--profile', 'h'], codes: [0] },
      { name: 'sa list --json', args: ['sa', 'list', '--profile', 'h', '--json'], codes: [0] },
      { name: 'sa get', args: ['sa', 'get', 'plain', '--profile', 'h'], codes: [0] },
      { name: 'sa get --json', args: ['sa', 'get', 'plain', '--profile', 'h', '--json'], codes: [0] },
      { name: 'sa get (path traversal id)', args: ['sa', 'get', 'trav', '--profile', 'h'], codes: [0, 3] },
      { name: 'sa create', args: ['sa', 'create', '--name', 'x', '--no-store', '--profile', 'h'], codes: [0, 5] },
      { name: 'sa rotate', args: ['sa', 'rotate', 'plain', '--yes', '--no-store', '--profile', 'h'], codes: [0, 5] },
      { name: 'sa rotate (path traversal id)', args: ['sa', 'rotate', 'trav', '--yes', '--no-store', '--profile', 'h'], codes: [0, 3, 5] },
      { name: 'sa pat list', args: ['sa', 'pat', 'list', 'plain', '--profile', 'h'], codes: [0] },
      // A server that never stops paging: a clear exit 5, not a silently partial list.
      { name: 'sa list --all (endless pages)', args: ['sa', 'list', '--all', '--profile', 'hendless'], codes: [5] },
      { name: 'sa list (times no Date holds)', args: ['sa', 'list', '--profile', 'hbadtime'], codes: [0] },
      // A poll interval of 10^9 s: the login ends when its 2 s code does, without hammering the issuer.
      { name: 'login (device interval 1e9, code lives 2 s)', args: ['login', '--no-browser', '--profile', 'hslow'], codes: [4], maxMs: 6000, maxRequests: 4 },
      { name: 'sa delete (404 message)', args: ['sa', 'delete', 'trav', '--yes', '--profile', 'h'], codes: [3] },
      { name: 'token get (token with escapes)', args: ['token', 'get', '--issuer', hostile.issuer, '--client-id', 'good'], env: secret, codes: [5] },
      { name: 'token get --json', args: ['token', 'get', '--issuer', hostile.issuer, '--client-id', 'good', '--json'], env: secret, codes: [5] },
      { name: 'token get (error with escapes)', args: ['token', 'get', '--issuer', hostile.issuer, '--client-id', 'bad'], env: secret, codes: [4] },
      { name: 'token get --json (error)', args: ['token', 'get', '--issuer', hostile.issuer, '--client-id', 'bad', '--json'], env: secret, codes: [4] },
      // An absurd expires_in is an unknown lifetime: minted, cached, and served again.
      { name: 'token get (expires_in 1e300)', args: ['token', 'get', '--issuer', hostile.issuer, '--client-id', 'forever'], env: secret, codes: [0] },
      { name: 'token get --json (expires_in 1e300, again)', args: ['token', 'get', '--issuer', hostile.issuer, '--client-id', 'forever', '--json'], env: secret, codes: [0] },
      { name: 'login (device code with escapes)', args: ['login', '--no-browser', '--profile', 'h'], codes: [4, 5] },
      { name: 'token inspect (claims with escapes)', args: ['token', 'inspect', hostileJwt()], codes: [0] },
      { name: 'token inspect --json', args: ['token', 'inspect', hostileJwt(), '--json'], codes: [0] },
    ];
    const results = await pool(3, cases.map((c) => () =>
      figures.run(`hostile server: ${c.name}`, async (check) => {
        const before = hostile.requests.length;
        figures.cliRuns++;
        const r = await runRaw(lanes[0]!.sb, c.args, { EUN_TOKEN: 'user-token', ...c.env }, undefined);
        figures.requests += hostile.requests.length - before;
        if (c.maxMs !== undefined) check.bound(r.ms, c.maxMs, c.name);
        if (c.maxRequests !== undefined) {
          // Counted by the login client's id: other cases run meanwhile.
          const made = hostile.requests.filter((q) => q.endsWith(' client_id=slow')).length;
          check.ok(made <= c.maxRequests, `${made} requests of the login client (at most ${c.maxRequests})`);
        }
        check.ok(c.codes.includes(r.code ?? -1), `exit ${r.code} (want ${c.codes.join('|')}): ${firstLine(r.stderr)}`);
        check.ok(!rawEscapes(r.stdout), 'raw terminal escapes on stdout');
        check.ok(!rawEscapes(r.stderr), 'raw terminal escapes on stderr');
        check.ok(!/\n\s+at .+[:(]/.test(r.stderr), 'a stack trace');
        // Every id went into a path encoded: nothing climbs out of the collection.
        const climbed = hostile.requests.slice(before).find((q) => /\/\.\.\//.test(q));
        check.ok(!climbed, `a request path climbed out: ${climbed}`);
      }),
    ));
    expect(results.flat()).toEqual([]);
    // The hostile server was really asked (the cases are not vacuous).
    expect(hostile.requests.length).toBeGreaterThan(cases.length);
  }, 120_000);
});

describe('lifetimes beyond a timer', () => {
  it('a token living 60 days: token exec --keep-fresh waits, it does not spin', async () => {
    const problems = await figures.run('token exec --keep-fresh with a 60-day token', async (check) => {
      const account = await world.emu.createServiceAccount('eunifyer', { name: 'long-lived', scopes: ['partner:orgs:read'] });
      await world.emu.settings({ tokenTtl: { eunifyer: 60 * 24 * 3600 } });
      try {
        const env = { EUN_ISSUER: world.emu.eunifyer.issuer, EUN_CLIENT_ID: account.clientId, EUN_CLIENT_SECRET: account.clientSecret };
        figures.cliRuns++;
        const r = await runRaw(lanes[0]!.sb, ['token', 'exec', '--keep-fresh', '--verbose', '--', process.execPath, '-e', 'setTimeout(() => {}, 1500)'], env, undefined);
        check.ok(r.code === 0, `exit ${r.code}: ${firstLine(r.stderr)}`);
        const renewals = (r.stderr.match(/renewed the token/g) ?? []).length;
        check.ok(renewals === 0, `the token file was renewed ${renewals} times in 1.5 s`);
        check.ok(!/TimeoutOverflowWarning/.test(r.stderr), 'a timer overflowed');
      } finally {
        await world.emu.settings({ tokenTtl: { eunifyer: 900 } });
      }
    });
    expect(problems).toEqual([]);
  }, 30_000);
});

/** An unsigned JWT whose header and claims carry escapes (ESC, BEL, 8-bit CSI). */
function hostileJwt(): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: `JWT${EVIL}` })}.${part({ sub: `x${EVIL}`, iss: `https://e${EVIL}`, exp: 1999999999 })}.sig`;
}
