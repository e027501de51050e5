import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, ROOT } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../src/core/secrets/file-store.js';
import { clientSecretAccount, secretService } from '../../src/core/secrets/types.js';
import { JWT, anyFileContains, ciAccount, filesUnder, refreshSettled, requestsOf, tokenFiles, withEmulator } from './helpers.js';

const t = withEmulator();

const cacheDir = () => t.sb.env.EUN_CACHE_DIR as string;

function rewriteCache(change: (entry: Record<string, number>) => void): void {
  const [file] = tokenFiles(cacheDir());
  const entry = JSON.parse(readFileSync(file as string, 'utf8'));
  change(entry);
  writeFileSync(file as string, JSON.stringify(entry));
}

describe('eun token get (CI path: environment only)', () => {
  it('mints once, then answers from the cache without a token request', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const first = await t.sb.run(['token', 'get'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    expect(first.stderr).toBe('');
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);

    const second = await t.sb.run(['token', 'get'], { env });
    expect(second.stdout).toBe(first.stdout);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
    // No profile, config file or keychain needed; nothing lingers (no keep-alive socket holds the process).
    expect(existsSync(t.sb.env.EUN_CONFIG_DIR as string)).toBe(false);
    expect(second.ms).toBeLessThan(5000);

    const json = await t.sb.run(['token', 'get', '--json'], { env });
    const doc = JSON.parse(json.stdout);
    expect(doc).toEqual({
      accessToken: first.stdout.trim(),
      tokenType: 'Bearer',
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      expiresIn: expect.any(Number),
      scope: 'partner:orgs:read',
      source: 'cache',
    });
    expect(doc.expiresIn).toBeGreaterThan(800);
    const header = await t.sb.run(['token', 'get', '--header'], { env });
    expect(header.stdout).toBe(`Authorization: Bearer ${first.stdout}`);
    const k8s = await t.sb.run(['token', 'get', '--exec-credential'], { env });
    expect(JSON.parse(k8s.stdout)).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: first.stdout.trim(), expirationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
    });
  });

  it('keeps the cache private and free of secrets', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const r = await t.sb.run(['token', 'get', '--verbose'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/token request|POST/); // --verbose says what it does...
    expect(r.stdout.includes(sa.clientSecret) || r.stderr.includes(sa.clientSecret)).toBe(false); // ...never the secret
    expect(r.stderr.includes(r.stdout.trim())).toBe(false); // nor the token
    expect(anyFileContains(cacheDir(), sa.clientSecret)).toBe(false);
    const [file] = tokenFiles(cacheDir());
    expect(statSync(file as string).mode & 0o777).toBe(0o600);
    expect(statSync(join(cacheDir(), 'tokens')).mode & 0o777).toBe(0o700);
    const entry = JSON.parse(readFileSync(file as string, 'utf8'));
    expect(entry.key).toMatchObject({ clientId: sa.clientId, issuer: t.emu.eunifyer.issuer, scopes: [] });
  });

  it('keys the cache by scope, audience and resource', async () => {
    const { sa, env } = await ciAccount(t.emu, 'eunifyer', ['partner:orgs:read', 'partner:orgs:write']);
    const a = await t.sb.run(['token', 'get', '--scope', 'partner:orgs:read partner:orgs:write'], { env });
    const b = await t.sb.run(['token', 'get', '--scope', 'partner:orgs:write', '--scope', 'partner:orgs:read'], { env });
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout); // same scopes in another order and form: same key
    const c = await t.sb.run(['token', 'get', '--scope', 'partner:orgs:read'], { env });
    expect(c.stdout).not.toBe(a.stdout);
    const d = await t.sb.run(['token', 'get'], { env: { ...env, EUN_SCOPE: 'partner:orgs:read' } });
    expect(d.stdout).toBe(c.stdout);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(2);
    const last = (await t.emu.stats()).lastTokenRequests.filter((t) => t.clientId === sa.clientId);
    expect(last.map((t) => t.authMethod)).toEqual(['client_secret_post', 'client_secret_post']);
  });

  it('works against the centrali flavor and a direct token URL', async () => {
    const { sa, env } = await ciAccount(t.emu, 'centrali', ['openid']);
    const r = await t.sb.run(['token', 'get', '--json'], { env: { ...env, EUN_ISSUER: undefined, EUN_TOKEN_URL: t.emu.centrali.tokenEndpoint } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'minted', tokenType: 'Bearer' });
    expect(JSON.parse(r.stdout).expiresIn).toBeGreaterThan(25000); // 7 h tokens
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
  });

  it('re-mints inside the expiry margin and for --min-ttl, and on --force-refresh', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const first = (await t.sb.run(['token', 'get'], { env })).stdout;
    const now = Date.now();
    // 70 s left of 900: outside the 60 s margin, still good (and in the refresh window: one mint in the background).
    rewriteCache((e) => ((e.issuedAt = now - 830_000), (e.expiresAt = now + 70_000)));
    expect((await t.sb.run(['token', 'get'], { env })).stdout).toBe(first);
    await refreshSettled(cacheDir());
    expect(await requestsOf(t.emu, sa.clientId)).toBe(2);
    // ...but not good for --min-ttl 2m.
    rewriteCache((e) => ((e.issuedAt = now - 830_000), (e.expiresAt = now + 70_000)));
    const longer = await t.sb.run(['token', 'get', '--min-ttl', '2m', '--json'], { env });
    expect(JSON.parse(longer.stdout).source).toBe('minted');
    expect(await requestsOf(t.emu, sa.clientId)).toBe(3);
    // 50 s left: inside the margin.
    rewriteCache((e) => ((e.issuedAt = now - 850_000), (e.expiresAt = now + 50_000)));
    expect(JSON.parse((await t.sb.run(['token', 'get', '--json'], { env })).stdout).source).toBe('minted');
    expect(await requestsOf(t.emu, sa.clientId)).toBe(4);
    // A 60 s token with 10 s left: the margin is 10 % of its lifetime (6 s), so it is still good.
    rewriteCache((e) => ((e.issuedAt = now - 50_000), (e.expiresAt = now + 10_000)));
    expect(JSON.parse((await t.sb.run(['token', 'get', '--json'], { env })).stdout).source).toBe('cache');
    await refreshSettled(cacheDir());
    expect(await requestsOf(t.emu, sa.clientId)).toBe(5);
    const forced = await t.sb.run(['token', 'get', '--force-refresh', '--json'], { env });
    expect(JSON.parse(forced.stdout).source).toBe('minted');
    expect(await requestsOf(t.emu, sa.clientId)).toBe(6);
    const bad = await t.sb.run(['token', 'get', '--min-ttl', 'soon'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--min-ttl/);
  });

  it('treats a corrupt cache file as a miss', async () => {
    const { sa, env } = await ciAccount(t.emu);
    await t.sb.run(['token', 'get'], { env });
    const [file] = tokenFiles(cacheDir());
    for (const junk of ['{"version":1,"accessTok', '', 'null', '{"version":1,"key":{},"accessToken":"x","tokenType":"Bearer","issuedAt":0,"expiresAt":9e15}']) {
      writeFileSync(file as string, junk);
      const r = await t.sb.run(['token', 'get', '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).source).toBe('minted');
      expect(JSON.parse(readFileSync(file as string, 'utf8')).accessToken).toMatch(JWT);
    }
    expect(await requestsOf(t.emu, sa.clientId)).toBe(5);
  });

  it('still prints a token when the cache directory is unusable', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const notADir = join(t.sb.dir, 'cache-is-a-file');
    writeFileSync(notADir, 'x');
    const r = await t.sb.run(['token', 'get'], { env: { ...env, EUN_CACHE_DIR: notADir } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(JWT);
    expect(r.stderr).toMatch(/^eun: warning: cannot use the token cache in /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
  });

  it('refuses a wrong secret with exit 4 and the advice, without retrying', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const r = await t.sb.run(['token', 'get'], { env: { ...env, EUN_CLIENT_SECRET: 'not-the-secret' } });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^eun: the issuer refused client .*invalid_client/);
    expect(r.stderr).toMatch(/hint: check the client id and secret; .*eun sa rotate/);
    expect(r.stderr.includes('not-the-secret')).toBe(false);
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
    const json = await t.sb.run(['token', 'get', '--json'], { env: { ...env, EUN_CLIENT_SECRET: 'not-the-secret' } });
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'invalid_client', hint: expect.stringMatching(/rotate/) });
  });

  it('says what is missing when there is no client id or secret', async () => {
    const none = await t.sb.run(['token', 'get'], { env: { EUN_ISSUER: t.emu.eunifyer.issuer } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no client id/);
    const noSecret = await t.sb.run(['token', 'get'], { env: { EUN_ISSUER: t.emu.eunifyer.issuer, EUN_CLIENT_ID: 'ci_nobody' } });
    expect(noSecret.code).toBe(4);
    expect(noSecret.stderr).toMatch(/no client secret for ci_nobody/);
    expect(noSecret.stderr).toMatch(/eun sa import ci_nobody/);
    const http = await t.sb.run(['token', 'get'], { env: { EUN_ISSUER: 'http://auth.example.com', EUN_CLIENT_ID: 'a', EUN_CLIENT_SECRET: 'b' } });
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/loopback/);
  });

  it('answers the same through the oclif command as through the hot path', async () => {
    const { sa, env } = await ciAccount(t.emu);
    const hot = await t.sb.run(['token', 'get', '--json'], { env });
    // Run the oclif command itself, as bin/run.js does for anything the hot path hands over.
    const oclif = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const o = await import('@oclif/core'); await o.execute({ dir: ${JSON.stringify(pathToFileURL(BIN).href)}, args: process.argv.slice(1) });`, ...args],
        { cwd: ROOT, env: { ...process.env, ...t.sb.env, ...env, ...extra }, encoding: 'utf8' },
      );
    const viaOclif = oclif(['token', 'get', '--json']);
    expect(viaOclif.status, viaOclif.stderr).toBe(0);
    const a = JSON.parse(hot.stdout);
    const b = JSON.parse(viaOclif.stdout);
    expect(a.source).toBe('minted');
    expect(b).toEqual({ ...a, source: 'cache', expiresIn: expect.any(Number) });
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
    const wrong = oclif(['token', 'get', '--force-refresh'], { EUN_CLIENT_SECRET: 'wrong' });
    expect(wrong.status).toBe(4);
    expect(wrong.stderr).toMatch(/invalid_client/);
  });

  it('answers a cache hit without loading oclif, undici or the keyring', async () => {
    const { env } = await ciAccount(t.emu);
    // A preload that records every module file this process loads (ES modules and require()).
    const log = join(t.sb.dir, 'loaded.txt');
    const hook = join(t.sb.dir, 'hook.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module'; import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); } });`,
    );
    const traced = { ...env, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
    const miss = await t.sb.run(['token', 'get'], { env: traced });
    expect(miss.code, miss.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(/node_modules\/undici\//); // the hook sees what a mint loads
    writeFileSync(log, '');
    const hit = await t.sb.run(['token', 'get'], { env: traced });
    expect(hit.stdout).toBe(miss.stdout);
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toMatch(/dist\/hot\/token-get\.js/);
    expect(loaded).not.toMatch(/@oclif|undici|keyring|jose|config\/profiles\.js|fs\/lock\.js/);
  });

  it('hands --help and unknown flags to oclif', async () => {
    const help = await t.sb.run(['token', 'get', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--min-ttl/);
    expect(help.stdout).not.toMatch(/--client-secret/);
    const unknown = await t.sb.run(['token', 'get', '--client-secret', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/client-secret/);
    const both = await t.sb.run(['token', 'get', '--json', '--header']);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stdout).error.message).toMatch(/--json.*--header|--header.*--json/);
  });
});

describe('eun token get (profile path)', () => {
  it("uses the profile's default service account and its stored secret", async () => {
    const { sa } = await ciAccount(t.emu);
    const configDir = t.sb.env.EUN_CONFIG_DIR as string;
    const add = await t.sb.run(['profile', 'add', 'local', '--flavor', 'eunifyer', '--issuer', t.emu.eunifyer.issuer, '--api', t.emu.eunifyer.api, '--use']);
    expect(add.code, add.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'));
    config.profiles.local.defaultAccount = { clientId: sa.clientId, scope: 'partner:orgs:read' };
    writeFileSync(join(configDir, 'config.json'), JSON.stringify(config));
    const store = new FileSecretStore(join(configDir, 'secrets.json'), { platform: process.platform, warn: () => {} });
    await store.set({ service: secretService('local', t.emu.eunifyer.issuer), account: clientSecretAccount(sa.clientId) }, sa.clientSecret);

    const r = await t.sb.run(['token', 'get', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'minted', scope: 'partner:orgs:read' });
    const again = await t.sb.run(['token', 'get', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ source: 'cache', accessToken: JSON.parse(r.stdout).accessToken });
    expect(await requestsOf(t.emu, sa.clientId)).toBe(1);
    expect(anyFileContains(cacheDir(), sa.clientSecret)).toBe(false);
    // An unknown --profile is exit 3, not a token.
    expect((await t.sb.run(['token', 'get', '--profile', 'nope'])).code).toBe(3);
  });
});

describe('eun token clear', () => {
  it('drops the current key, or everything with --all', async () => {
    const { sa, env } = await ciAccount(t.emu, 'eunifyer', ['partner:orgs:read', 'partner:orgs:write']);
    await t.sb.run(['token', 'get'], { env });
    await t.sb.run(['token', 'get', '--scope', 'partner:orgs:write'], { env });
    expect(tokenFiles(cacheDir())).toHaveLength(2);
    const one = await t.sb.run(['token', 'clear', '--json'], { env });
    expect(JSON.parse(one.stdout)).toEqual({ cleared: 1 });
    expect(tokenFiles(cacheDir())).toHaveLength(1);
    const all = await t.sb.run(['token', 'clear', '--all', '--json']);
    expect(JSON.parse(all.stdout)).toEqual({ cleared: 1 });
    expect(tokenFiles(cacheDir())).toHaveLength(0);
    expect(filesUnder(join(cacheDir(), 'discovery'))).toHaveLength(0);
    expect(JSON.parse((await t.sb.run(['token', 'get', '--json'], { env })).stdout).source).toBe('minted');
    expect(await requestsOf(t.emu, sa.clientId)).toBe(3);
  });
});

describe('eun token get with eun sa', () => {
  it('uses the account sa create --default stored, and a new token after sa rotate', async () => {
    const add = await t.sb.run(['profile', 'add', 'local', '--flavor', 'eunifyer', '--issuer', t.emu.eunifyer.issuer, '--api', t.emu.eunifyer.api, '--use']);
    expect(add.code, add.stderr).toBe(0);
    const { access_token: userToken } = await t.emu.userToken('eunifyer');
    const admin = { EUN_TOKEN: userToken };
    const created = await t.sb.run(['sa', 'create', '--name', `bot-${Date.now()}`, '--scope', 'partner:orgs:read', '--default', '--json'], { env: admin });
    expect(created.code, created.stderr).toBe(0);
    const { clientId, id } = JSON.parse(created.stdout);

    const first = await t.sb.run(['token', 'get', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ source: 'minted', scope: 'partner:orgs:read' });
    expect(JSON.parse((await t.sb.run(['token', 'get', '--json'])).stdout).source).toBe('cache');
    expect(await requestsOf(t.emu, clientId)).toBe(1);

    const rotated = await t.sb.run(['sa', 'rotate', String(id), '--yes', '--json'], { env: admin });
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = await t.sb.run(['token', 'get', '--json']);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).source).toBe('minted'); // the old secret's token was dropped
    expect(JSON.parse(after.stdout).accessToken).not.toBe(JSON.parse(first.stdout).accessToken);
    expect(anyFileContains(cacheDir(), JSON.parse(rotated.stdout).clientSecret ?? 'none')).toBe(false);
  });
});
