import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { clientCredentials, jsonRequest } from '../helpers/emulator.js';
import {
  FLAVORS,
  SECRET_SHAPE,
  configJson,
  expectAbsent,
  keyValues,
  resourceUrl,
  sa,
  secretsFileText,
  serverAccounts,
  useFlavorWorld,
} from './setup.js';

const world = useFlavorWorld();

describe('the service-account lifecycle', () => {
  // The two flavors use separate profiles and halves of the emulator: they run side by side.
  it.concurrent.each(FLAVORS)('%s: creates, lists, finds, renames, updates, rotates, revokes and deletes, keeping the secret safe', async (flavor) => {
    const runs: Array<{ step: string; r: CliResult }> = [];
    const run = async (step: string, args: string[], expectCode = 0) => {
      const r = await sa(world.sb, world.tokens, flavor, args);
      runs.push({ step, r });
      expect(r.code, `${step}: ${r.stderr}`).toBe(expectCode);
      return r;
    };
    const name = `life-${flavor}`;

    // Given a profile without accounts, when an account is created in a script (no TTY, no --json)…
    const scopeArgs = flavor === 'eunifyer' ? ['--scope', 'partner:orgs:read'] : [];
    const created = await run('create', ['sa', 'create', '--name', name, '--description', 'lifecycle test', ...scopeArgs, '--verbose']);
    const fields = keyValues(created.stdout);
    const secret = fields.clientSecret as string;
    // …the secret comes out once on stdout as a `clientSecret:` line, and only there (--verbose included).
    expect(created.stderr).toMatch(/POST .*→ 201/);
    expect(secret).toMatch(SECRET_SHAPE);
    expect(created.stdout.split(secret).length - 1).toBe(1);
    expect(fields).toMatchObject({ name, clientId: expect.stringMatching(/^ci_/), id: expect.any(String) });
    expect(created.stderr).toMatch(/shown once/);
    const { id, clientId } = fields as { id: string; clientId: string };
    // It is stored, and as the first account of the profile it became the default.
    expect(secretsFileText(world.sb).includes(secret)).toBe(true);
    expect(configJson(world.sb).profiles[flavor]?.defaultAccount).toMatchObject({ clientId, id, name, ...(flavor === 'eunifyer' ? { scope: 'partner:orgs:read' } : {}) });

    // Listing: JSON with string ids and ISO times; a tab-separated table in a pipe; the completion list.
    const listed = JSON.parse((await run('list --json', ['sa', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(listed).toContainEqual(expect.objectContaining({ id, clientId, name, status: 'active' }));
    expect(listed.find((a) => a.id === id)?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const table = (await run('list', ['sa', 'list'])).stdout.split('\n');
    expect(table[0]).toBe('ID\tNAME\tCLIENT ID\tSTATUS\tCREATED');
    expect(table).toContainEqual(expect.stringMatching(new RegExp(`^${id}\\t${name}\\t${clientId}\\tactive\\t`)));
    const completionFile = join(world.sb.env.EUN_CACHE_DIR as string, 'completion', `accounts-${flavor}.json`);
    expect(statSync(completionFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(completionFile, 'utf8')).accounts).toContainEqual({ id, clientId, name });

    // REF: the id, the client id and the unique name all find it.
    for (const ref of [id, clientId, name]) {
      expect(JSON.parse((await run(`get ${ref}`, ['sa', 'get', ref, '--json'])).stdout)).toMatchObject({ id, clientId });
    }

    // Rename and update change the server.
    await run('rename', ['sa', 'rename', name, `${name}-renamed`]);
    await run('update', ['sa', 'update', clientId, '--description', 'changed']);
    let onServer = (await serverAccounts(world.emu, world.tokens, flavor)).find((a) => String(a.id) === id);
    expect(onServer).toMatchObject({ name: `${name}-renamed`, description: 'changed' });
    const completionNames = () => JSON.parse(readFileSync(completionFile, 'utf8')).accounts.map((a: { id: string; name: string }) => `${a.id}=${a.name}`);
    expect(completionNames()).toContain(`${id}=${name}-renamed`);
    if (flavor === 'eunifyer') {
      await run('update scopes', ['sa', 'update', id, '--scope', 'partner:orgs:read partner:users:read']);
      onServer = (await serverAccounts(world.emu, world.tokens, flavor)).find((a) => a.id === id);
      expect(onServer?.scopes).toEqual(['partner:orgs:read', 'partner:users:read']);
      // The profile's default follows: `eun token get` asks for the new scopes under the new name.
      expect(configJson(world.sb).profiles[flavor]?.defaultAccount).toMatchObject({ name: `${name}-renamed`, scope: 'partner:orgs:read partner:users:read' });
    } else {
      const refused = await run('update scopes', ['sa', 'update', id, '--scope', 'records:read'], 2);
      expect(refused.stderr).toMatch(/cannot change the scope/);
    }

    // A token from the stored secret works at the resource endpoint.
    const oldToken = (await run('token get', ['token', 'get'])).stdout.trim();
    expect((await jsonRequest(resourceUrl(world.emu, flavor), { token: oldToken })).status).toBe(200);

    // Rotation: a new secret, stored; the old secret and the old token die at once…
    const rotated = JSON.parse((await run('rotate', ['sa', 'rotate', id, '--yes', '--json', '--verbose'])).stdout) as Record<string, unknown>;
    const newSecret = rotated.clientSecret as string;
    expect(newSecret).toMatch(SECRET_SHAPE);
    expect(newSecret === secret).toBe(false);
    expect(rotated).toMatchObject({ id, clientId, stored: true, droppedTokens: 1 });
    expect(secretsFileText(world.sb).includes(newSecret)).toBe(true);
    expect(secretsFileText(world.sb).includes(secret)).toBe(false);
    const withOld = await clientCredentials(world.emu, flavor, { clientId, clientSecret: secret });
    expect(withOld.status).toBe(401);
    expect(withOld.body.error).toBe('invalid_client');
    expect((await jsonRequest(resourceUrl(world.emu, flavor), { token: oldToken })).status).toBe(401);
    // …while `eun token get` right after mints with the new one.
    const newToken = (await run('token get after rotate', ['token', 'get'])).stdout.trim();
    expect(newToken === oldToken).toBe(false);
    expect((await jsonRequest(resourceUrl(world.emu, flavor), { token: newToken })).status).toBe(200);

    // Revocation: the account stays, disabled; its cached token is gone and no new one is minted.
    await run('revoke', ['sa', 'revoke', name + '-renamed', '--yes']);
    expect((await serverAccounts(world.emu, world.tokens, flavor)).find((a) => String(a.id) === id)?.status).toBe('revoked');
    const refusedToken = await run('token get after revoke', ['token', 'get'], 4);
    expect(refusedToken.stdout).toBe('');

    // Deletion: gone from the server, its stored secret and the profile's default with it.
    await run('delete', ['sa', 'delete', id, '--yes']);
    expect((await serverAccounts(world.emu, world.tokens, flavor)).some((a) => String(a.id) === id)).toBe(false);
    expect(secretsFileText(world.sb).includes(clientId)).toBe(false);
    expect(configJson(world.sb).profiles[flavor]?.defaultAccount).toBeUndefined();
    expect(completionNames().some((entry: string) => entry.startsWith(`${id}=`))).toBe(false);
    const gone = await run('get deleted', ['sa', 'get', id], 3);
    expect(gone.stderr).toContain(`service account ${id} not found`);

    // Secrets never reach stderr, and stdout only where the contract prints them.
    for (const { step, r } of runs) {
      expectAbsent(r.stderr, secret, `stderr of ${step}`);
      expectAbsent(r.stderr, newSecret, `stderr of ${step}`);
      if (step !== 'create') expectAbsent(r.stdout, secret, `stdout of ${step}`);
      if (step !== 'rotate') expectAbsent(r.stdout, newSecret, `stdout of ${step}`);
    }
  });
});

describe('with a stored session instead of EUN_TOKEN', () => {
  it('uses the session of eun login --with-token for management calls', async () => {
    const user = await world.emu.userToken('centrali');
    const login = await world.sb.run(['login', '--with-token', '--profile', 'centrali'], { input: `${user.access_token}\n` });
    expect(login.code, login.stderr).toBe(0);
    const created = await world.sb.run(['sa', 'create', '--name', 'via-session', '--profile', 'centrali', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { id, stored } = JSON.parse(created.stdout) as { id: string; stored: boolean };
    expect(stored).toBe(true);
    expect((await serverAccounts(world.emu, world.tokens, 'centrali')).some((a) => String(a.id) === id)).toBe(true);
    // A cached token of the account, then deletion takes the secret, the token and the default with it.
    expect((await world.sb.run(['token', 'get', '--profile', 'centrali'])).code).toBe(0);
    const deleted = await world.sb.run(['sa', 'delete', id, '--yes', '--profile', 'centrali', '--json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ id, deleted: true, secretRemoved: true, droppedTokens: 1, wasDefault: true });
  });
});
