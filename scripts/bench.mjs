#!/usr/bin/env node
// Start-up benchmark: each scenario's wall time as a ratio to `node -e 0` under the same Node,
// from medians of alternating runs (baseline, scenario, baseline, scenario, …), so that a
// noisy machine slows both sides alike. Usage: npm run bench [-- --runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

/** Scenarios: a name and the argv after `node`. */
const scenarios = [
  { name: 'eun --version', args: [bin, '--version'] },
  { name: 'eun profile list', args: [bin, 'profile', 'list'] },
];

console.log(`node ${process.version}, ${runs} alternating runs per scenario (medians)`);
console.log(`${'scenario'.padEnd(36)} ${'median ms'.padStart(10)} ${'node -e 0'.padStart(10)} ${'ratio'.padStart(7)}`);
try {
  for (const s of scenarios) {
    time(s.args); // warm the file-system cache
    const base = [];
    const mine = [];
    for (let i = 0; i < runs; i++) {
      base.push(time(['-e', '0']));
      mine.push(time(s.args));
    }
    const b = median(base);
    const m = median(mine);
    console.log(`${s.name.padEnd(36)} ${m.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)} ${(m / b).toFixed(2).padStart(6)}×`);
  }
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}
