#!/usr/bin/env node
// The quick start's main job, end to end against the local emulator: log in, create a service
// account, call an API with `$(eun token get)` in curl, rotate and watch the old token die,
// revoke, delete. Every step is printed as a user would type it, then run in real bash.
// Exits 0 only when every step did what it should.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'eun-demo-'));
const binDir = join(work, 'bin');
mkdirSync(binDir);
symlinkSync(join(root, 'bin', 'run.js'), join(binDir, 'eun'));

const env = { ...process.env };
for (const k of Object.keys(env)) if (/^(EUN_|NODE_ENV$|DEBUG$)/.test(k)) delete env[k];
Object.assign(env, {
  // `node` here is the one running this script (the pinned Node under npm run).
  PATH: `${binDir}:${resolve(process.execPath, '..')}:${env.PATH ?? ''}`,
  EUN_CONFIG_DIR: join(work, 'config'),
  EUN_CACHE_DIR: join(work, 'cache'),
  // A demo must not touch the user's real keychain.
  EUN_SECRET_STORE: 'file',
});

const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\u001b[1m${s}\u001b[22m` : s);
let emulator;

function stopEmulator() {
  if (emulator && emulator.exitCode === null) emulator.kill('SIGTERM');
}

function fail(message) {
  console.error(`\ndemo failed: ${message}`);
  stopEmulator();
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

/** Prints `$ command`, runs it in bash, and checks its exit code (and output). */
function step(command, { expectExit = 0, expectOutput } = {}) {
  console.log(bold(`\n$ ${command}`));
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: work, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stdout.write(r.stderr);
  if (r.status !== expectExit) fail(`"${command}" exited ${r.status}, expected ${expectExit}`);
  if (expectOutput && !expectOutput.test(r.stdout)) fail(`"${command}" printed something unexpected`);
  return r.stdout;
}

async function startEmulator() {
  console.log(bold('$ eun emulator start --port 0 --auto-approve --json &'));
  emulator = spawn(join(binDir, 'eun'), ['emulator', 'start', '--port', '0', '--auto-approve', '--json'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: emulator.stdout });
  const ready = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator did not start within 30 s')), 30_000);
    emulator.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolvePromise(JSON.parse(line));
    });
  });
  console.log(`eunifyer issuer  ${ready.eunifyerIssuer}\neunifyer API     ${ready.eunifyerApi}\ncentrali issuer  ${ready.centraliIssuer}`);
  return ready;
}

try {
  const urls = await startEmulator().catch((err) => fail(err.message));
  env.ISSUER = urls.eunifyerIssuer;
  env.API = urls.eunifyerApi;
  const orgs = '"$API/api/v1/partner/orgs"';

  step('eun profile add demo --flavor eunifyer --issuer "$ISSUER" --api "$API" --use');
  step('eun login --no-browser');
  step('eun whoami');
  step('eun sa create --name demo-bot --description "demo of the whole job" --scope partner:orgs:read --default');
  step('eun sa list');
  step(`curl -sS --fail-with-body -H "Authorization: Bearer $(eun token get)" ${orgs}`, { expectOutput: /"data"/ });

  console.log(bold('\n# Rotate: the old secret and every token minted with it stop working at once.'));
  step('eun token get > old-token.txt');
  step('eun sa rotate demo-bot --yes');
  step(`curl -sS -o /dev/null -w "old token: HTTP %{http_code}\\n" -H "Authorization: Bearer $(cat old-token.txt)" ${orgs}`, {
    expectOutput: /old token: HTTP 401/,
  });
  step(`curl -sS -o /dev/null -w "new token: HTTP %{http_code}\\n" -H "Authorization: Bearer $(eun token get)" ${orgs}`, {
    expectOutput: /new token: HTTP 200/,
  });

  console.log(bold('\n# Revoke: no new tokens can be minted.'));
  step('eun sa revoke demo-bot --yes');
  step('eun token get --force-refresh', { expectExit: 4 });

  step('eun sa delete demo-bot --yes');
  step('eun sa list');
  step('eun logout');
  console.log(bold('\n$ kill %1   # stop the emulator'));
  stopEmulator();
  console.log('\ndemo finished: every step did what it should.');
} finally {
  stopEmulator();
  rmSync(work, { recursive: true, force: true });
}
