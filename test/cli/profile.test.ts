import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../src/core/secrets/file-store.js';
import { clientSecretAccount, secretService, SESSION_ACCOUNT } from '../../src/core/secrets/types.js';
import { BIN, Sandbox, runCli } from '../helpers/cli.js';

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

const configPath = () => join(sb.env.EUN_CONFIG_DIR!, 'config.json');

describe('eun profile', () => {
  it('lists the built-in default profile on a fresh machine', async () => {
    const r = await sb.run(['profile', 'list', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list).toEqual([
      expect.objectContaining({
        name: 'default',
        active: true,
        builtIn: true,
        flavor: 'eunifyer',
        issuer: 'https://auth.eunifyer.com/realms/eunify',
        api: 'https://api.eunifyer.com',
      }),
    ]);
  });

  it('adds, shows, uses and removes a profile, with private file modes', async () => {
    const add = await sb.run([
      'profile', 'add', 'acme', '--flavor', 'centrali', '--issuer', 'https://auth.centrali.example/', '--workspace', 'acme-corp',
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(statSync(configPath()).mode & 0o777).toBe(0o600);
    expect(statSync(sb.env.EUN_CONFIG_DIR!).mode & 0o777).toBe(0o700);

    const show = await sb.run(['profile', 'show', 'acme', '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({
      name: 'acme', flavor: 'centrali', issuer: 'https://auth.centrali.example', api: 'https://auth.centrali.example',
      workspace: 'acme-corp', active: false, loginClientId: 'eun-cli',
    });

    expect((await sb.run(['profile', 'use', 'acme'])).code).toBe(0);
    expect(JSON.parse((await sb.run(['profile', 'show', '--json'])).stdout).name).toBe('acme');
    // EUN_PROFILE and --profile win over the active profile.
    expect(JSON.parse((await sb.run(['profile', 'show', '--json'], { env: { EUN_PROFILE: 'default' } })).stdout).name).toBe('default');
    expect(JSON.parse((await sb.run(['profile', 'show', '--json', '--profile', 'default'])).stdout).name).toBe('default');

    expect((await sb.run(['profile', 'remove', 'acme'])).code).toBe(0);
    const after = JSON.parse((await sb.run(['profile', 'list', '--json'])).stdout);
    expect(after.map((p: { name: string }) => p.name)).toEqual(['default']);
    expect(after[0].active).toBe(true);
  });

  it('removes the stored session and client secrets of a removed profile, and only those', async () => {
    const issuer = 'http://127.0.0.1:9/realms/eunify';
    for (const name of ['gone', 'kept']) {
      expect((await sb.run(['profile', 'add', name, '--flavor', 'eunifyer', '--issuer', issuer])).code).toBe(0);
    }
    const store = new FileSecretStore(join(sb.env.EUN_CONFIG_DIR!, 'secrets.json'));
    const refs = (profile: string) => [
      { service: secretService(profile, issuer), account: SESSION_ACCOUNT },
      { service: secretService(profile, issuer), account: clientSecretAccount('ci_abc') },
    ];
    for (const ref of [...refs('gone'), ...refs('kept')]) await store.set(ref, 'value-not-a-real-secret');
    const r = await sb.run(['profile', 'remove', 'gone']);
    expect(r.code, r.stderr).toBe(0);
    for (const ref of refs('gone')) expect(await store.get(ref)).toBeUndefined();
    for (const ref of refs('kept')) expect(await store.get(ref)).toBeDefined();
  });

  it('prints a table with a header when not on a terminal', async () => {
    const r = await sb.run(['profile', 'list']);
    expect(r.stdout.split('\n')[0]).toBe('\tNAME\tFLAVOR\tISSUER\tWORKSPACE');
  });

  it('refuses to replace a profile without --force', async () => {
    const args = ['profile', 'add', 'p', '--flavor', 'eunifyer', '--issuer', 'http://127.0.0.1:9/realms/eunify'];
    expect((await sb.run(args)).code).toBe(0);
    const again = await sb.run(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect((await sb.run([...args, '--force'])).code).toBe(0);
  });

  const invalid: Array<[string, string[], RegExp]> = [
    ['bad flavor', ['x', '--flavor', 'okta', '--issuer', 'https://a.example'], /--flavor/],
    ['http to a remote host', ['x', '--flavor', 'eunifyer', '--issuer', 'http://auth.example.com'], /--issuer.*loopback/],
    ['file URL', ['x', '--flavor', 'eunifyer', '--issuer', 'file:///etc/passwd'], /--issuer.*https/],
    ['not a URL', ['x', '--flavor', 'eunifyer', '--issuer', 'auth.example.com'], /--issuer.*absolute URL/],
    ['credentials in the URL', ['x', '--flavor', 'eunifyer', '--issuer', 'https://u:hunter2@a.example'], /--issuer.*credentials/],
    ['centrali without workspace', ['x', '--flavor', 'centrali', '--issuer', 'https://a.example'], /missing --workspace/],
    ['bad workspace slug', ['x', '--flavor', 'centrali', '--issuer', 'https://a.example', '--workspace', 'Acme Corp'], /--workspace/],
    ['bad profile name', ['../evil', '--flavor', 'eunifyer', '--issuer', 'https://a.example'], /profile name/],
    ['long profile name', ['p'.repeat(65), '--flavor', 'eunifyer', '--issuer', 'https://a.example'], /profile name/],
    ['missing flavor', ['x', '--issuer', 'https://a.example'], /missing --flavor/],
    ['missing issuer', ['x', '--flavor', 'eunifyer'], /missing --issuer/],
    ['unknown flag', ['x', '--flavor', 'eunifyer', '--issuer', 'https://a.example', '--bogus'], /bogus/],
  ];
  it.each(invalid)('rejects %s with exit 2 and one clear line', async (_name, args, message) => {
    const r = await sb.run(['profile', 'add', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr).not.toContain('hunter2');
    expect(() => statSync(configPath())).toThrow();
  });

  it('reports errors as JSON on stdout with --json', async () => {
    const r = await sb.run(['profile', 'show', 'nope', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'not_found', message: 'profile "nope" not found', hint: expect.any(String) },
    });
  });

  it('keeps every profile when 12 processes add at once', async () => {
    const runs = Array.from({ length: 12 }, (_, i) =>
      sb.run(['profile', 'add', `p${i}`, '--flavor', 'eunifyer', '--issuer', `http://127.0.0.1:${1000 + i}/realms/eunify`]),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const names = JSON.parse(readFileSync(configPath(), 'utf8')).profiles;
    expect(Object.keys(names).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `p${i}`).sort());
  });

  it('reports a corrupt config file clearly and never overwrites it', async () => {
    mkdirSync(sb.env.EUN_CONFIG_DIR!, { recursive: true, mode: 0o700 });
    writeFileSync(configPath(), '{"profiles": {"mine": ', { mode: 0o600 });
    const list = await sb.run(['profile', 'list']);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain(configPath());
    expect(list.stderr).toMatch(/not valid JSON/);
    expect(list.stderr).not.toMatch(/\n\s+at /);
    const add = await sb.run(['profile', 'add', 'x', '--flavor', 'eunifyer', '--issuer', 'https://a.example']);
    expect(add.code).toBe(1);
    expect(readFileSync(configPath(), 'utf8')).toBe('{"profiles": {"mine": ');
  });

  it('suggests the right command for a typo', async () => {
    const r = await sb.run(['profile', 'lst']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/profile list/);
  });
});

describe('bin/run.js on an old Node', () => {
  let systemNode: string | undefined;
  try {
    const version = execFileSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).trim();
    if (Number(version.slice(1).split('.')[0]) < 22) systemNode = '/usr/bin/node';
  } catch {
    systemNode = undefined;
  }
  it.skipIf(!systemNode)('prints one line and exits 1', async () => {
    const r = await runCli(['--version'], { node: systemNode });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^eun needs Node\.js 22\.19 or newer \(this is \d+\.\d+\.\d+\); .+\n$/);
    expect(BIN).toMatch(/run\.js$/);
  });
});
