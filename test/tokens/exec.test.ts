import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, startCli } from '../helpers/cli.js';
import { JWT, eunOnPath, ciAccount, requestsOf, tokenFiles, until, withEmulator } from './helpers.js';

const t = withEmulator();

/** Starts `eun token exec -- node -e SCRIPT` and waits until the script prints a line starting with `ready`. */
async function execReady(env: Record<string, string>, script: string, flags: string[] = []) {
  const cli = startCli(['token', 'exec', ...flags, '--', process.execPath, '-e', script], { env: { ...t.sb.env, ...env }, timeoutMs: 45_000 });
  let out = '';
  const line = await new Promise<string>((resolve, reject) => {
    cli.child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const ready = out.split('\n').find((l) => l.startsWith('ready'));
      if (ready) resolve(ready);
    });
    cli.result.then((r) => reject(new Error(`exited early (${r.code}): ${r.stderr}`)), reject);
  });
  return { cli, line };
}

const trap = (signal: string, code: number) =>
  `process.on('${signal}', () => process.exit(${code})); console.log('ready'); setTimeout(() => process.exit(99), 40_000)`;

describe('eun token exec', () => {
  it('forwards SIGTERM, SIGINT and SIGHUP to the command and returns its status (128 + N when it dies of signal N)', async () => {
    const { env } = await ciAccount(t.emu);
    for (const [signal, code] of [['SIGTERM', 42], ['SIGINT', 43], ['SIGHUP', 44]] as const) {
      const { cli } = await execReady(env, trap(signal, code));
      cli.child.kill(signal);
      const r = await cli.result;
      expect(r.code, `${signal}: ${r.stderr}`).toBe(code);
    }
    // A command that ignores nothing dies of the signal: 128 + 15.
    const { cli } = await execReady(env, `console.log('ready'); setTimeout(() => process.exit(99), 40_000)`);
    cli.child.kill('SIGTERM');
    expect((await cli.result).code).toBe(143);
    const killed = await t.sb.run(['token', 'exec', '--', process.execPath, '-e', "process.kill(process.pid, 'SIGKILL')"], { env });
    expect(killed.code).toBe(137);
  }, 60_000);

  it('on a terminal, a Ctrl-C reaches the command once, not twice (tmux)', async () => {
    const { env } = await ciAccount(t.emu);
    const count = join(t.sb.dir, 'sigints');
    const code = join(t.sb.dir, 'code');
    // The command counts the SIGINTs it gets within 700 ms of the first (terraform aborts its graceful shutdown on a second).
    const child = `let n = 0; process.on('SIGINT', () => { if (n++ === 0) setTimeout(() => { require('fs').writeFileSync(${JSON.stringify(count)}, String(n)); process.exit(5); }, 700); }); console.log('ready'); setTimeout(() => process.exit(99), 40_000)`;
    const wrapper = `process.on('SIGINT', () => {}); const r = require('child_process').spawnSync(process.execPath, [${JSON.stringify(BIN)}, 'token', 'exec', '--', process.execPath, '-e', ${JSON.stringify(child)}], { stdio: 'inherit' }); require('fs').writeFileSync(${JSON.stringify(code)}, String(r.status))`;
    const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
    const vars = Object.entries({ ...t.sb.env, ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm' }).map(([k, v]) => `${k}=${q(v)}`);
    const socket = `eun-exec-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    tmux('new-session', '-d', '-x', '120', '-y', '20', `exec env -i ${vars.join(' ')} ${q(process.execPath)} -e ${q(wrapper)}`);
    try {
      await until(() => tmux('capture-pane', '-p').includes('ready'), 15_000);
      tmux('send-keys', 'C-c');
      await until(() => existsSync(code), 10_000);
      expect(readFileSync(count, 'utf8')).toBe('1');
      expect(readFileSync(code, 'utf8')).toBe('5');
    } finally {
      try {
        tmux('kill-server');
      } catch {
        /* gone */
      }
    }
  }, 60_000);

  it('gives the token, its expiry in ISO-8601 UTC and a marker; withholds the secrets and stale variables of ours', async () => {
    const { env } = await ciAccount(t.emu);
    const probe = `const e = process.env; console.log(JSON.stringify({ token: e.EUN_ACCESS_TOKEN, exp: e.EUN_ACCESS_TOKEN_EXPIRES_AT,
      file: e.EUN_ACCESS_TOKEN_FILE ?? null, secret: e.EUN_CLIENT_SECRET ?? null, user: e.EUN_TOKEN ?? null, marker: e.EUN_TOKEN_EXEC, id: e.EUN_CLIENT_ID }))`;
    const r = await t.sb.run(['token', 'exec', '--', process.execPath, '-e', probe], {
      env: { ...env, EUN_TOKEN: 'user-token-of-the-admin', EUN_ACCESS_TOKEN_FILE: '/tmp/stale-file-of-an-outer-run' },
    });
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout);
    expect(seen.token).toMatch(JWT);
    const [file] = tokenFiles(t.sb.env.EUN_CACHE_DIR as string);
    const cached = JSON.parse(readFileSync(file as string, 'utf8'));
    expect(seen.exp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(seen.exp).toBe(new Date(cached.expiresAt).toISOString());
    expect(seen).toMatchObject({ file: null, secret: null, user: null, id: env.EUN_CLIENT_ID });
    expect(JSON.parse(seen.marker)).toEqual({ clientId: env.EUN_CLIENT_ID, key: expect.stringMatching(/^[0-9a-f]{32}$/), env: 'EUN_ACCESS_TOKEN' });
  });

  it('a nested eun token exec for the same token says so and uses it instead of minting', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const path = `${eunOnPath(t.sb.dir)}:${process.env.PATH}`;
    const inner = `eun token exec -- "${process.execPath}" -e 'console.log(process.env.EUN_ACCESS_TOKEN)'`;
    const r = await t.sb.run(['token', 'exec', '--', 'sh', '-c', `echo "$EUN_ACCESS_TOKEN"; ${inner}`], { env: { ...env, PATH: path } });
    expect(r.code, r.stderr).toBe(0);
    const [outerToken, innerToken] = r.stdout.trim().split('\n');
    expect(outerToken).toMatch(JWT);
    expect(innerToken).toBe(outerToken);
    expect(r.stderr).toMatch(/^eun: already inside eun token exec for \S+: using its token instead of minting one$/m);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);

    // Another token of the same client (another scope) needs the secret the command never gets.
    const other = await t.sb.run(['token', 'exec', '--', 'sh', '-c', `eun token exec --scope openid -- true`], { env: { ...env, PATH: path } });
    expect(other.code, other.stderr).toBe(4);
    expect(other.stderr).toMatch(/no client secret/);
    expect(other.stderr).toMatch(/does not get EUN_CLIENT_SECRET/);
  }, 60_000);

  describe('--keep-fresh', () => {
    it('replaces the token in the file before it expires, and removes the file when the command ends', async () => {
      const { env } = await ciAccount(t.emu);
      await t.emu.settings({ tokenTtl: { eunifyer: 6 } });
      try {
        // The command watches its file until it holds another token than the one it was given
        // (the file may have been renewed already if this machine is slow), then reports when.
        const probe = `const fs = require('node:fs'); const file = process.env.EUN_ACCESS_TOKEN_FILE;
          const given = process.env.EUN_ACCESS_TOKEN; const exp = Date.parse(process.env.EUN_ACCESS_TOKEN_EXPIRES_AT);
          const dirMode = fs.statSync(require('node:path').dirname(file)).mode & 0o777; const mode = fs.statSync(file).mode & 0o777;
          const check = () => { const now = fs.readFileSync(file, 'utf8'); if (now === given) return setTimeout(check, 20);
            console.log(JSON.stringify({ file, mode, dirMode, changedBeforeExpiry: Date.now() < exp, jwt: /^[\\w-]+\\.[\\w-]+\\.[\\w-]+$/.test(now) })); };
          check();`;
        const r = await t.sb.run(['token', 'exec', '--keep-fresh', '--', process.execPath, '-e', probe], { env, timeoutMs: 30_000 });
        expect(r.code, r.stderr).toBe(0);
        const seen = JSON.parse(r.stdout);
        expect(seen).toMatchObject({ mode: 0o600, dirMode: 0o700, changedBeforeExpiry: true, jwt: true });
        expect(existsSync(seen.file)).toBe(false);
      } finally {
        await t.emu.settings({ tokenTtl: { eunifyer: 900 } });
      }
    }, 60_000);

    it('removes the file when the command is killed, and when eun gets SIGTERM', async () => {
      const { env } = await ciAccount(t.emu);
      const report = `console.log('ready ' + process.pid + ' ' + process.env.EUN_ACCESS_TOKEN_FILE); setTimeout(() => process.exit(99), 40_000)`;
      const killed = await execReady(env, report, ['--keep-fresh']);
      const [, pid, file] = killed.line.split(' ');
      expect(existsSync(file as string)).toBe(true);
      process.kill(Number(pid), 'SIGKILL');
      expect((await killed.cli.result).code).toBe(137);
      expect(existsSync(file as string)).toBe(false);

      const stopped = await execReady(env, report, ['--keep-fresh']);
      const [, , file2] = stopped.line.split(' ');
      expect(existsSync(file2 as string)).toBe(true);
      stopped.cli.child.kill('SIGTERM');
      expect((await stopped.cli.result).code).toBe(143);
      expect(existsSync(file2 as string)).toBe(false);
    }, 60_000);

    it('sweeps the file of a run whose eun was killed with -9', async () => {
      const { env } = await ciAccount(t.emu);
      const report = `console.log('ready ' + process.pid + ' ' + process.env.EUN_ACCESS_TOKEN_FILE); setTimeout(() => process.exit(99), 40_000)`;
      const first = await execReady(env, report, ['--keep-fresh']);
      const [, pid, file] = first.line.split(' ') as [string, string, string];
      try {
        const exited = new Promise((resolve) => first.cli.child.once('exit', resolve));
        first.cli.child.kill('SIGKILL'); // eun dies without cleaning up; its command lives on, orphaned
        await exited;
        expect(existsSync(file)).toBe(true);
        const next = await t.sb.run(['token', 'exec', '--keep-fresh', '--', 'true'], { env });
        expect(next.code, next.stderr).toBe(0);
        expect(existsSync(file)).toBe(false);
      } finally {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
    }, 60_000);
  });
});
