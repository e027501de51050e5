/**
 * Area 5, secret hygiene: every command run with --verbose and DEBUG=*, on success and on
 * failure; stdout, stderr and every file written under HOME, the config and the cache dirs
 * searched for every secret in play (client secrets, user and refresh tokens, PATs). A
 * secret may appear only in the secret store and where the contract prints it (create,
 * rotate and PAT create on stdout). File modes are 0600 and 0700. While a secret prompt is
 * open (in tmux), the process's argv and environment hold no secret, nor does the screen.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliResult, Sandbox, startCli } from '../helpers/cli.js';
import { skipWithoutSecretService, startSecretService } from '../helpers/keyring.js';
import { AreaFigures } from './figures.js';
import { type World, filesUnder, firstLine, startWorld, storedSecrets, writeProfiles, writeSecretsFile } from './world.js';

const figures = new AreaFigures('5 secret hygiene');
let world: World;
/** Every secret seen so far (never printed: checks report where, not what). */
const secrets = new Set<string>();
const outputs: Array<{ name: string; r: CliResult; allowed: string[] }> = [];

/** Adds every secret the store holds now (client secrets, session tokens). */
function collectStoredSecrets(): void {
  for (const entries of Object.values(storedSecrets(world.sb))) {
    for (const [account, value] of Object.entries(entries)) {
      if (account === 'session') {
        const session = JSON.parse(value) as Record<string, unknown>;
        for (const key of ['accessToken', 'refreshToken', 'idToken']) if (typeof session[key] === 'string') secrets.add(session[key] as string);
      } else secrets.add(value);
    }
  }
}

/** Runs one command with --verbose and DEBUG=*, records its output and the secrets it printed by contract. */
async function run(name: string, args: string[], options: { env?: Record<string, string>; input?: string; printsSecret?: RegExp } = {}): Promise<CliResult> {
  figures.cliRuns++;
  const r = await world.run([...args, '--verbose'], { env: { DEBUG: '*', ...options.env }, ...(options.input ? { input: options.input } : {}) });
  const printed = options.printsSecret ? [...r.stdout.matchAll(new RegExp(options.printsSecret, 'g'))].map((m) => m[1]!) : [];
  for (const p of printed) secrets.add(p);
  outputs.push({ name, r, allowed: printed });
  collectStoredSecrets();
  scanFiles(name);
  return r;
}

/** Problems found in the files after each run (files come and go: scanned every time). */
const fileProblems = new Set<string>();
const filesSeen = new Set<string>();

/** Searches every file under HOME, the config, cache and XDG dirs (the store excepted) for secrets, and checks modes. */
function scanFiles(after: string): void {
  const sb = world.sb;
  const roots = [sb.env.HOME!, sb.env.EUN_CONFIG_DIR!, sb.env.EUN_CACHE_DIR!, sb.env.XDG_CONFIG_HOME!, sb.env.XDG_CACHE_HOME!, sb.env.XDG_DATA_HOME!];
  const store = join(sb.env.EUN_CONFIG_DIR!, 'secrets.json');
  for (const file of roots.flatMap(filesUnder)) {
    const shown = file.slice(sb.dir.length).replace(/[0-9a-f]{16,}/g, 'HASH');
    filesSeen.add(shown);
    let bytes: Buffer;
    let mode: number;
    try {
      bytes = readFileSync(file);
      mode = statSync(file).mode & 0o777;
    } catch {
      continue; // gone meanwhile
    }
    if (mode !== 0o600) fileProblems.add(`${shown} has mode ${mode.toString(8)} (after ${after})`);
    const dir = file.slice(0, file.lastIndexOf('/'));
    const dirMode = statSync(dir).mode & 0o777;
    if (dirMode !== 0o700) fileProblems.add(`${dir.slice(sb.dir.length)}/ has mode ${dirMode.toString(8)} (after ${after})`);
    if (file === store) continue;
    for (const secret of secrets) if (bytes.includes(secret)) fileProblems.add(`a secret in ${shown} (after ${after})`);
  }
}

beforeAll(async () => {
  world = await startWorld(figures, { EUN_HTTP_TIMEOUT: '1s' });
}, 60_000);
afterAll(async () => {
  // Token requests the emulator saw (management calls are not counted by it).
  if (world) figures.requests += (await world.emu.stats()).tokenRequests.total;
  await world?.stop();
  figures.publish();
});

describe('secret hygiene', () => {
  it('no secret in any output or file but the store and the contract, with --verbose and DEBUG=*', async () => {
    const user = await world.emu.userToken('eunifyer', { ttl: 3600 });
    secrets.add(user.access_token);
    if (user.refresh_token) secrets.add(user.refresh_token);
    // An expired session: the first management command refreshes it (new tokens in play).
    const host = new URL(world.emu.base).host;
    writeSecretsFile(world.sb, {
      version: 1,
      secrets: {
        [`eun:e@${host}`]: {
          session: JSON.stringify({
            version: 1,
            accessToken: user.access_token,
            refreshToken: user.refresh_token,
            tokenType: 'Bearer',
            expiresAt: new Date(Date.now() - 60_000).toISOString(),
            issuer: world.emu.eunifyer.issuer,
            clientId: 'eun-cli',
            method: 'device',
            updatedAt: new Date().toISOString(),
          }),
        },
      },
    });
    const secretLine = /clientSecret: (\S+)/;
    const wrongSecret = `sk_${'e'.repeat(64)}`;
    secrets.add(wrongSecret);

    await run('whoami (refreshes the session)', ['whoami']);
    const created = await run('sa create', ['sa', 'create', '--name', 'hygiene', '--default', '--scope', 'partner:orgs:read'], { printsSecret: secretLine });
    expect(created.code, created.stderr).toBe(0);
    const clientId = /clientId: (\S+)/.exec(created.stdout)?.[1] ?? '';
    await run('sa list', ['sa', 'list']);
    await run('sa list --json', ['sa', 'list', '--json']);
    await run('sa get', ['sa', 'get', 'hygiene']);
    await run('sa rename', ['sa', 'rename', 'hygiene', 'hygiene2']);
    await run('sa update', ['sa', 'update', 'hygiene2', '--description', 'kept clean']);
    await run('token get', ['token', 'get']);
    await run('token get --json', ['token', 'get', '--json', '--force-refresh']);
    await run('token get --header', ['token', 'get', '--header']);
    const minted = (await world.sb.run(['token', 'get'])).stdout.trim();
    await run('token inspect --verify', ['token', 'inspect', '--verify'], { input: minted });
    await run('sa rotate', ['sa', 'rotate', 'hygiene2', '--yes'], { printsSecret: secretLine });
    await run('token get after rotate', ['token', 'get']);
    await run('token exec (child prints its environment)', ['token', 'exec', '--', process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'], {
      env: { EUN_TOKEN: user.access_token, EUN_CLIENT_SECRET: wrongSecret },
    });
    await run('sa pat create', ['sa', 'pat', 'create', 'hygiene2', '--name', 'pat1'], { printsSecret: /token: (\S+)/ });
    await run('sa pat list', ['sa', 'pat', 'list', 'hygiene2']);
    const current = [...secrets].find((s) => storedSecrets(world.sb)[`eun:e@${host}`]?.[`client:${clientId}`] === s) ?? '';
    await run('sa import (stdin)', ['sa', 'import', clientId], { input: `${current}\n` });
    await run('token get with a wrong secret (error path)', ['token', 'get', '--client-id', clientId, '--issuer', world.emu.eunifyer.issuer], {
      env: { EUN_CLIENT_SECRET: wrongSecret },
    });
    await world.emu.fault({ path: '/realms/eunify/protocol/openid-connect/token', mode: '503', count: 20 });
    await run('token get under 503s', ['token', 'get', '--force-refresh']);
    await world.emu.clearFaults();
    await world.emu.fault({ path: '/api/v1/developer/service-principals', mode: 'html502', count: 20 });
    await run('sa list with EUN_TOKEN under HTML 502s', ['sa', 'list'], { env: { EUN_TOKEN: user.access_token } });
    await world.emu.clearFaults();
    await run('profile show', ['profile', 'show', 'e']);
    await run('profile list --json', ['profile', 'list', '--json']);
    await run('token clear', ['token', 'clear', '--all']);
    await run('login --with-token', ['login', '--with-token'], { input: `${user.access_token}\n` });
    await run('whoami (token session)', ['whoami', '--json']);
    await run('sa revoke', ['sa', 'revoke', 'hygiene2', '--yes'], { env: { EUN_TOKEN: user.access_token } });
    await run('sa delete', ['sa', 'delete', 'hygiene2', '--yes'], { env: { EUN_TOKEN: user.access_token } });
    await run('logout', ['logout']);
    // The secrets are real ones (the checks below can fail): client secrets and tokens of the right shape.
    expect([...secrets].filter((s) => /^sk_[0-9a-f]{64}$/.test(s)).length).toBeGreaterThanOrEqual(3);
    figures.extra['secrets tracked'] = secrets.size;

    const problems: string[] = [];
    for (const { name, r, allowed } of outputs) {
      problems.push(
        ...(await figures.run(`output of ${name}`, async (check) => {
          for (const secret of secrets) {
            const onStdout = r.stdout.includes(secret) && !allowed.includes(secret);
            check.ok(!onStdout, 'a secret on stdout that the contract does not print there');
            check.ok(!r.stderr.includes(secret), 'a secret on stderr');
          }
          check.ok(r.code !== null, `killed: ${firstLine(r.stderr)}`);
        })),
      );
    }
    figures.extra['files searched'] = filesSeen.size;
    problems.push(
      ...(await figures.run('files: secrets only in the store; files 0600 in 0700 directories', async (check) => {
        for (const p of fileProblems) check.ok(false, p);
        check.ok(filesSeen.size >= 5, `only ${filesSeen.size} files were written: the scan proves little`);
      })),
    );
    expect(problems).toEqual([]);
  }, 120_000);

  it.skipIf(skipWithoutSecretService())('with the OS keychain (gnome-keyring): no secret in any file or output, none in the worker\'s argv or environment', async () => {
    const service = await startSecretService();
    const sb = new Sandbox({ ...service.env, EUN_SECRET_STORE: 'keychain' });
    try {
      writeProfiles(sb, world.emu);
      const user = await world.emu.userToken('eunifyer', { ttl: 3600 });
      const seen = new Set<string>([user.access_token]);
      const problems = await figures.run('keychain store: outputs, files, worker process', async (check) => {
        const runs: Array<{ name: string; r: CliResult; allowed: string[] }> = [];
        const step = async (name: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}) => {
          figures.cliRuns++;
          const r = await sb.run([...args, '--verbose'], { env: { DEBUG: '*', ...options.env }, ...(options.input ? { input: options.input } : {}) });
          const printed = [...r.stdout.matchAll(/clientSecret: (\S+)/g)].map((m) => m[1]!);
          for (const p of printed) seen.add(p);
          runs.push({ name, r, allowed: printed });
          check.ok(r.code === 0, `${name}: exit ${r.code}: ${firstLine(r.stderr)}`);
          return r;
        };
        await step('login --with-token', ['login', '--with-token'], { input: `${user.access_token}\n` });
        await step('sa create', ['sa', 'create', '--name', 'keychain-hygiene', '--default', '--scope', 'partner:orgs:read']);
        // While a command runs, its keychain worker's argv and environment hold no secret.
        const running = startCli(['token', 'get', '--verbose'], { env: { ...sb.env, DEBUG: '*' } });
        const workerSeen = await watchWorkers(running.child.pid!, seen, check);
        const got = await running.result;
        figures.cliRuns++;
        runs.push({ name: 'token get (watched)', r: got, allowed: [] });
        figures.extra['keychain workers inspected'] = workerSeen;
        await step('sa rotate', ['sa', 'rotate', 'keychain-hygiene', '--yes']);
        await step('token get after rotate', ['token', 'get']);
        await step('whoami', ['whoami']);
        await step('sa delete', ['sa', 'delete', 'keychain-hygiene', '--yes']);
        await step('logout', ['logout']);
        for (const { name, r, allowed } of runs) {
          for (const secret of seen) {
            check.ok(!(r.stdout.includes(secret) && !allowed.includes(secret)), `${name}: a secret on stdout`);
            check.ok(!r.stderr.includes(secret), `${name}: a secret on stderr`);
          }
        }
        const files = [sb.env.HOME!, sb.env.EUN_CONFIG_DIR!, sb.env.EUN_CACHE_DIR!].flatMap(filesUnder);
        for (const file of files) {
          const bytes = readFileSync(file);
          for (const secret of seen) check.ok(!bytes.includes(secret), `a secret in ${file.slice(sb.dir.length)}`);
        }
        check.ok(!files.some((f) => f.endsWith('secrets.json')), 'a file store was written although the keychain was chosen');
      });
      expect(problems).toEqual([]);
    } finally {
      sb.cleanup();
      await service.stop();
    }
  }, 60_000);

  it('while a secret prompt is open, argv, environment and screen hold no secret (tmux)', async () => {
    const secret = `sk_${'7'.repeat(64)}`;
    const token = (await world.emu.userToken('eunifyer')).access_token;
    const prompts = [
      { name: 'sa import CLIENT_ID', args: ['sa', 'import', 'ci_prompted'], typed: secret },
      { name: 'login --with-token', args: ['login', '--with-token'], typed: token },
    ];
    const problems: string[] = [];
    for (const p of prompts) {
      problems.push(
        ...(await figures.run(`prompt of ${p.name}`, async (check) => {
          const socket = `eun-hygiene-${process.pid}-${prompts.indexOf(p)}`;
          const env = Object.entries({ ...world.sb.env, PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' })
            .map(([k, v]) => `${k}=${shellQuote(v)}`)
            .join(' ');
          const command = `exec env -i ${env} ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${p.args.map(shellQuote).join(' ')}`;
          const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
          tmux('new-session', '-d', '-x', '160', '-y', '40', command);
          try {
            await waitFor(() => /secret|token|Paste/i.test(tmux('capture-pane', '-p')), 10_000);
            tmux('send-keys', '-l', p.typed);
            await new Promise((r) => setTimeout(r, 300));
            const pid = Number(tmux('list-panes', '-F', '#{pane_pid}').trim());
            figures.cliRuns++;
            for (const proc of [pid, ...childrenOf(pid)]) {
              for (const what of ['cmdline', 'environ']) {
                let bytes: Buffer;
                try {
                  bytes = readFileSync(`/proc/${proc}/${what}`);
                } catch {
                  continue;
                }
                check.ok(!bytes.includes(p.typed), `the secret is in /proc/${proc === pid ? 'PID' : 'CHILD'}/${what}`);
              }
            }
            const screen = tmux('capture-pane', '-p');
            check.ok(!screen.includes(p.typed) && !screen.includes(p.typed.slice(0, 16)), 'the typed secret is echoed on the screen');
            check.ok(/\*{8,}|•{8,}/.test(screen) || !screen.includes(p.typed.slice(-8)), 'the prompt does not mask');
          } finally {
            try {
              tmux('kill-server');
            } catch {
              /* gone */
            }
          }
        })),
      );
    }
    expect(problems).toEqual([]);
  }, 60_000);
});

/** Watches the keychain workers (node children) of `pid` until it exits; checks their argv and environment for `secrets`. */
async function watchWorkers(pid: number, secrets: Set<string>, check: { ok(condition: boolean, problem: string): boolean }): Promise<number> {
  const inspected = new Set<number>();
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return inspected.size;
    }
    for (const child of childrenOf(pid)) {
      for (const what of ['cmdline', 'environ']) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(`/proc/${child}/${what}`);
        } catch {
          continue;
        }
        inspected.add(child);
        for (const secret of secrets) check.ok(!bytes.includes(secret), `a secret in /proc/WORKER/${what}`);
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function childrenOf(pid: number): number[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
    return out.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  } catch {
    return [];
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the prompt did not appear');
    await new Promise((r) => setTimeout(r, 50));
  }
}
