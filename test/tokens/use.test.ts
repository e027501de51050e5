import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { JWT, eunOnPath, anyFileContains, ciAccount, requestsOf, withEmulator } from './helpers.js';

const t = withEmulator();

describe('using tokens', () => {
  it('works in a bash script: curl -H "Authorization: Bearer $(eun token get)"', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const script = `set -euo pipefail
for i in 1 2 3; do
  curl -sSf -H "Authorization: Bearer $(eun token get --scope partner:orgs:read)" "$API/api/v1/partner/orgs" > "$OUT.$i"
done
curl -sSf -H "$(eun token get --scope partner:orgs:read --header)" "$API/api/v1/partner/orgs" > "$OUT.h"`;
    const out = join(t.sb.dir, 'orgs');
    const r = spawnSync('bash', ['-c', script], {
      env: { ...process.env, ...t.sb.env, ...env, API: t.emu.eunifyer.api, OUT: out, PATH: `${eunOnPath(t.sb.dir)}:${process.env.PATH}` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    for (const suffix of ['1', '2', '3', 'h']) {
      const spawnOut = spawnSync('cat', [`${out}.${suffix}`], { encoding: 'utf8' }).stdout;
      expect(JSON.parse(spawnOut)).toHaveProperty('data');
    }
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1); // four calls, one token
  });

  it('token exec puts the token in the environment, not on the command line, and passes the exit code', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const probe = `const e = process.env; console.log(JSON.stringify({ token: e.EUN_ACCESS_TOKEN, exp: e.EUN_ACCESS_TOKEN_EXPIRES_AT, secret: e.EUN_CLIENT_SECRET ?? null, argv: process.argv.slice(1) })); process.exit(7)`;
    const r = await t.sb.run(['token', 'exec', '--', process.execPath, '-e', probe, '--', '--flag-for-child'], { env });
    expect(r.code, r.stderr).toBe(7);
    const seen = JSON.parse(r.stdout);
    expect(seen.token).toMatch(JWT);
    expect(seen.exp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(seen.exp)).toBeGreaterThan(Date.now());
    expect(seen.secret).toBeNull();
    expect(seen.argv).toEqual(['--flag-for-child']);
    expect(JSON.stringify(seen.argv).includes(seen.token)).toBe(false);

    const named = await t.sb.run(['token', 'exec', '--env', 'API_TOKEN', '--', process.execPath, '-e', 'console.log(process.env.API_TOKEN, process.env.API_TOKEN_EXPIRES_AT)'], { env });
    expect(named.code).toBe(0);
    expect(named.stdout.split(' ')[0]).toBe(seen.token); // from the cache
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
    expect(anyFileContains(t.sb.dir, sa.clientSecret)).toBe(false);
  });

  it('token exec --keep-fresh renews a private token file while the command runs, and removes it after', async () => {
    const { env } = await ciAccount(t.emu);
    await t.emu.settings({ tokenTtl: { eunifyer: 6 } });
    try {
      const probe = `const fs = require('node:fs');
        const file = process.env.EUN_ACCESS_TOKEN_FILE;
        const first = fs.readFileSync(file, 'utf8');
        const mode = fs.statSync(file).mode & 0o777;
        setTimeout(() => {
          console.log(JSON.stringify({ file, mode, first, env: process.env.EUN_ACCESS_TOKEN, later: fs.readFileSync(file, 'utf8') }));
        }, 5500);`;
      const r = await t.sb.run(['token', 'exec', '--keep-fresh', '--', process.execPath, '-e', probe], { env, timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout);
      expect(seen.mode).toBe(0o600);
      expect(seen.first).toBe(seen.env);
      expect(seen.later).toMatch(JWT);
      expect(seen.later).not.toBe(seen.first); // renewed before the 6 s token expired
      expect(existsSync(seen.file)).toBe(false);
    } finally {
      await t.emu.settings({ tokenTtl: { eunifyer: 900 } });
    }
  });

  it('token exec forwards SIGTERM to the command and returns its status', async () => {
    const { env } = await ciAccount(t.emu);
    const child = spawn(
      process.execPath,
      [BIN, 'token', 'exec', '--', process.execPath, '-e', "process.on('SIGTERM', () => process.exit(42)); console.log('ready'); setInterval(() => {}, 1000)"],
      { env: { ...process.env, ...t.sb.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(42);
  });

  it('token exec reports a missing command', async () => {
    const r = await t.sb.run(['token', 'exec', '--', 'no-such-command-eun'], { env: (await ciAccount(t.emu)).env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/command not found: no-such-command-eun/);
    expect((await t.sb.run(['token', 'exec'])).code).toBe(2);
  });

  it('token inspect decodes a JWT from stdin and verifies it against the JWKS', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const got = await t.sb.run(['token', 'get'], { env });
    expect(got.code, got.stderr).toBe(0);
    const token = got.stdout.trim();
    const r = await t.sb.run(['token', 'inspect', '--json'], { input: `${token}\n` });
    expect(r.code, r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.header.alg).toBe('RS256');
    expect(doc.claims.iss).toBe(t.emu.eunifyer.issuer);
    expect(doc.expired).toBe(false);
    expect(doc.expiresIn).toBeGreaterThan(800);
    expect(doc.expiresAt).toMatch(/Z$/);

    const text = await t.sb.run(['token', 'inspect', token]);
    expect(text.stdout).toMatch(/^algorithm\s+RS256$/m);
    expect(text.stdout).toMatch(/^expires\s+\S+Z \(in 1[45]m\d+s\)$/m);

    const verified = await t.sb.run(['token', 'inspect', '--verify', '--issuer', t.emu.eunifyer.issuer, '--json'], { input: token });
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout).verified).toBe(true);

    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.sub = 'someone-else';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const refused = await t.sb.run(['token', 'inspect', '--verify', '--issuer', t.emu.eunifyer.issuer], { input: forged });
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/does not verify/);
    const wrongIssuer = await t.sb.run(['token', 'inspect', '--verify', '--issuer', t.emu.centrali.issuer], { input: token });
    expect(wrongIssuer.code, wrongIssuer.stderr).toBe(4);

    const hostile = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x\u009b31m\u001b[2J' })).toString('base64url')}.`;
    const escaped = await t.sb.run(['token', 'inspect', hostile]);
    expect(escaped.code, escaped.stderr).toBe(0);
    expect(escaped.stdout).not.toMatch(/[\u001b\u009b]/);
    expect(escaped.stdout).toMatch(/\\x9b31m/);

    const garbage = await t.sb.run(['token', 'inspect', 'not-a-jwt']);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/not a JWT/);
    expect(sa.clientId).toBeTruthy();
  });
});
