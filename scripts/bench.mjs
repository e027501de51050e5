#!/usr/bin/env node
// Start-up benchmark: each scenario's wall time as a ratio to `node -e 0` under the same Node,
// from medians of alternating runs (baseline, scenario, baseline, scenario, …), so that a
// noisy machine slows both sides alike. Usage: npm run bench [-- --runs N]
//
// The `eun token get` scenarios run against the local emulator (`eun emulator start`):
// a cache hit, a cache hit inside the refresh window (the caller that notices starts the
// background mint; the callers after it find it under way), a cold mint, 50 concurrent cold
// calls, and the peak RSS of a cache hit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: process.env.BENCH_RUNS ?? '40' } } });
const runs = Number(values.runs);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'run.js');
const node = process.execPath;
const sandbox = mkdtempSync(join(tmpdir(), 'eun-bench-'));
const env = {
  ...process.env,
  NODE_ENV: undefined,
  EUN_CONFIG_DIR: join(sandbox, 'config'),
  EUN_CACHE_DIR: join(sandbox, 'cache'),
  EUN_SECRET_STORE: 'file',
};
delete env.NODE_ENV;
for (const name of ['EUN_ISSUER', 'EUN_TOKEN_URL', 'EUN_CLIENT_ID', 'EUN_CLIENT_SECRET', 'EUN_SCOPE', 'EUN_PROFILE']) delete env[name];

function time(args, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(node, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const row = (name, value, base, unit = 'ms') =>
  console.log(`${name.padEnd(44)} ${`${value.toFixed(1)}${unit === 'ms' ? '' : ` ${unit}`}`.padStart(10)} ${base.toFixed(1).padStart(10)} ${(value / base).toFixed(2).padStart(6)}×`);

/**
 * Alternating runs of `node -e 0` and the scenario; `before` runs untimed before each scenario
 * run, `after` after it (e.g. to let a background process finish before the next baseline).
 */
function compare(name, args, extraEnv = {}, before = () => {}, n = runs, after = () => {}) {
  before();
  time(args, extraEnv); // warm the file-system cache
  after();
  const base = [];
  const mine = [];
  for (let i = 0; i < n; i++) {
    base.push(time(['-e', '0']));
    before();
    mine.push(time(args, extraEnv));
    after();
  }
  const b = median(base);
  const m = median(mine);
  row(name, m, b);
  return { ms: m, base: b, ratio: m / b };
}

// --- the emulator and a service account on it ---------------------------------------------

async function startEmulator() {
  const child = spawn(node, [bin, 'emulator', 'start', '--port', '0', '--json'], {
    env: { ...env, EUN_CACHE_DIR: join(sandbox, 'emulator-cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const line = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout }).once('line', (l) => {
      clearTimeout(timer);
      resolvePromise(l);
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${stderr}`)));
  });
  const urls = JSON.parse(line);
  return { child, base: urls.base, issuer: urls.eunifyerIssuer ?? urls.eunifyer?.issuer };
}

async function call(url, init = {}, retried = false) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    // A pooled connection the emulator closed while a synchronous scenario blocked this loop: once more.
    if (retried) throw err;
    return call(url, init, true);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

async function createAccount(emu, name) {
  const json = { 'content-type': 'application/json' };
  const { access_token } = await call(`${emu.base}/__admin/user-token`, { method: 'POST', headers: json, body: JSON.stringify({ flavor: 'eunifyer' }) });
  return call(`${emu.base}/api/v1/developer/service-principals`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${access_token}` },
    body: JSON.stringify({ name, scopes: ['partner:orgs:read'] }),
  });
}

async function tokenRequests(emu, clientId) {
  return (await call(`${emu.base}/__admin/stats`)).tokenRequests.byClient[clientId] ?? 0;
}

/**
 * A minimal token endpoint in a child process (the bench blocks its own event loop), to tell
 * what eun costs from what the emulator costs.
 */
async function startTinyTokenServer() {
  const code = `const http = require('node:http'); let n = 0;
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ access_token: 'tiny-' + (++n) + '-' + Date.now(), token_type: 'Bearer', expires_in: 900 })); }); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(node, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolvePromise) => createInterface({ input: child.stdout }).once('line', resolvePromise));
  return { child, tokenUrl: `http://127.0.0.1:${port}/token` };
}

/** Wall time of `count` processes started at once, and their outputs. */
function concurrent(count, args, extraEnv = {}) {
  const start = process.hrtime.bigint();
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolvePromise, reject) => {
          const child = spawn(node, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`exit ${code}: ${err}`))));
        }),
    ),
  ).then((outputs) => ({ ms: Number(process.hrtime.bigint() - start) / 1e6, outputs }));
}

/** Peak RSS (KiB) of a run, as the process itself reports it at exit (the same preload on both sides). */
function peakRss(args, extraEnv = {}) {
  const file = join(sandbox, 'rss');
  const r = spawnSync(node, ['--require', join(sandbox, 'rss.cjs'), ...args], {
    env: { ...env, ...extraEnv, EUN_BENCH_RSS_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(readFileSync(file, 'utf8'));
}

// --- scenarios --------------------------------------------------------------------------------

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`node ${process.version}, ${runs} alternating runs per scenario (medians); load average ${load()}`);
console.log(`${'scenario'.padEnd(44)} ${'median ms'.padStart(10)} ${'node -e 0'.padStart(10)} ${'ratio'.padStart(7)}`);
let emu;
let tiny;
const notes = [];
try {
  compare('eun --version', [bin, '--version']);
  compare('eun profile list', [bin, 'profile', 'list']);

  emu = await startEmulator();
  const sa = await createAccount(emu, 'bench');
  const tokenEnv = { EUN_ISSUER: emu.issuer, EUN_CLIENT_ID: sa.clientId, EUN_CLIENT_SECRET: sa.clientSecret };
  const tokensDir = join(env.EUN_CACHE_DIR, 'tokens');
  const dropTokens = () => rmSync(tokensDir, { recursive: true, force: true });
  const get = [bin, 'token', 'get'];

  const hit = compare('eun token get (cache hit)', get, tokenEnv);

  // Inside the refresh window (the last third of the token's lifetime): the caller that notices
  // prints the cached token and spawns the detached process that mints; it must cost what a
  // plain hit costs. The background mint is let finish before the next baseline run.
  const cacheFile = () =>
    readdirSync(tokensDir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => join(tokensDir, n))
      .find((f) => JSON.parse(readFileSync(f, 'utf8')).key.clientId === sa.clientId);
  const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const refreshRunning = (file) => {
    try {
      return JSON.parse(readFileSync(file.replace(/\.json$/, '.refresh'), 'utf8')).state === 'running';
    } catch {
      return existsSync(file.replace(/\.json$/, '.refresh'));
    }
  };
  const settle = () => {
    const file = cacheFile();
    const deadline = Date.now() + 30_000;
    while (refreshRunning(file) || existsSync(`${file}.lock`)) {
      if (Date.now() > deadline) throw new Error('the background refresh did not finish');
      pause(10);
    }
  };
  const seedWindow = (marker) => {
    const file = cacheFile();
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    const now = Date.now();
    entry.issuedAt = now - 700_000;
    entry.expiresAt = now + 200_000; // 200 s left of 900: in the window (the last 300 s)
    writeFileSync(file, JSON.stringify(entry));
    const state = file.replace(/\.json$/, '.refresh');
    if (marker) writeFileSync(state, JSON.stringify({ version: 1, state: 'running', at: now }));
    else rmSync(state, { force: true });
  };
  const mintsBefore = await tokenRequests(emu, sa.clientId);
  const windowRuns = Math.min(runs, 20);
  const noticing = compare('eun token get (hit in the refresh window)', get, tokenEnv, () => seedWindow(false), windowRuns, settle);
  const backgroundMints = (await tokenRequests(emu, sa.clientId)) - mintsBefore;
  const underway = compare('  (hit in the window, refresh under way)', get, tokenEnv, () => seedWindow(true));
  rmSync(cacheFile().replace(/\.json$/, '.refresh'), { force: true });
  console.log(`${'  background mints / noticing calls'.padEnd(44)} ${`${backgroundMints} / ${windowRuns + 1}`.padStart(10)}`);
  notes.push(
    `hit in the refresh window ${noticing.ratio.toFixed(2)}× node -e 0 for the caller that starts the background mint, ${underway.ratio.toFixed(2)}× while it is under way (target: as a plain hit, ≤ 1.5×)`,
  );
  const cold = compare('eun token get (cold mint, discovery cached)', get, tokenEnv, dropTokens);
  compare('eun token get (cold, no discovery cache)', get, tokenEnv, () => {
    dropTokens();
    rmSync(join(env.EUN_CACHE_DIR, 'discovery'), { recursive: true, force: true });
  }, Math.min(runs, 15));
  tiny = await startTinyTokenServer();
  const tinyEnv = { EUN_TOKEN_URL: tiny.tokenUrl, EUN_CLIENT_ID: 'bench', EUN_CLIENT_SECRET: 'bench-secret' };
  const tinyCold = compare('  (cold mint, minimal local token server)', get, tinyEnv, dropTokens);
  notes.push(
    `cache hit ${hit.ratio.toFixed(2)}× node -e 0 (target ≤ 1.5×)`,
    `cold mint ${cold.ratio.toFixed(2)}× against the emulator, ${tinyCold.ratio.toFixed(2)}× against a minimal token server (target ≤ 3×)`,
  );

  // 50 concurrent cold calls: one token request, and the wall time against one cold call.
  const rounds = Math.max(3, Math.min(7, Math.round(runs / 8)));
  const walls = [];
  const floors = [];
  let requests = 0;
  let distinct = 0;
  for (let i = 0; i < rounds; i++) {
    floors.push((await concurrent(50, ['-e', '0'])).ms);
    dropTokens();
    const before = await tokenRequests(emu, sa.clientId);
    const r = await concurrent(50, get, tokenEnv);
    requests = Math.max(requests, (await tokenRequests(emu, sa.clientId)) - before);
    distinct = Math.max(distinct, new Set(r.outputs).size);
    walls.push(r.ms);
  }
  const wall = median(walls);
  const floor = median(floors);
  console.log(
    `${'50 concurrent cold eun token get'.padEnd(44)} ${wall.toFixed(1).padStart(10)} ${cold.ms.toFixed(1).padStart(10)} ${(wall / cold.ms).toFixed(2).padStart(6)}× one cold call`,
  );
  console.log(`${'  (50 concurrent node -e 0, the floor)'.padEnd(44)} ${floor.toFixed(1).padStart(10)} ${''.padStart(10)} ${(wall / floor).toFixed(2).padStart(6)}× the floor`);
  console.log(`${'  token requests per round (max)'.padEnd(44)} ${String(requests).padStart(10)}   distinct tokens printed: ${distinct}`);
  notes.push(`50 concurrent cold calls: ${requests} token request, wall ${(wall / cold.ms).toFixed(2)}× one cold call (target ≤ 3×; ${(wall / floor).toFixed(2)}× 50 concurrent node -e 0)`);

  // Peak RSS of a cache hit against `node -e 0`, same preload on both sides.
  writeFileSync(
    join(sandbox, 'rss.cjs'),
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.EUN_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  time(get, tokenEnv); // make sure the cache is warm
  const baseRss = [];
  const hitRss = [];
  for (let i = 0; i < Math.min(runs, 20); i++) {
    baseRss.push(peakRss(['-e', '0']));
    hitRss.push(peakRss(get, tokenEnv));
  }
  const rb = median(baseRss) / 1024;
  const rh = median(hitRss) / 1024;
  console.log(`${'peak RSS, eun token get (cache hit)'.padEnd(44)} ${`${rh.toFixed(1)} MiB`.padStart(10)} ${`${rb.toFixed(1)} MiB`.padStart(10)} ${(rh / rb).toFixed(2).padStart(6)}×`);
  notes.push(`peak RSS of a hit ${(rh / rb).toFixed(2)}× (target ≤ 1.2×)`);
  console.log(`\nnote: ${notes.join('; ')}; load average at the end ${load()}`);
} finally {
  emu?.child.kill('SIGTERM');
  tiny?.child.kill('SIGTERM');
  rmSync(sandbox, { recursive: true, force: true });
}
