import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../helpers/cli.js';
import { jsonRequest } from '../helpers/emulator.js';
import { FLAVORS, configJson, expectAbsent, resourceUrl, sa, secretsFileText, useFlavorWorld } from './setup.js';

const world = useFlavorWorld();

describe.each(FLAVORS)('eun sa import (%s)', (flavor) => {
  it('checks a secret made elsewhere by minting a token, stores it, and makes token get work', async () => {
    const scopes = flavor === 'eunifyer' ? ['partner:orgs:read'] : undefined;
    const made = await world.emu.createServiceAccount(flavor, { name: `elsewhere-${flavor}`, ...(scopes ? { scopes } : {}) });

    // A wrong secret is refused by the issuer and not stored.
    const wrong = await world.sb.run(['sa', 'import', made.clientId, '--profile', flavor], { input: `sk_${'0'.repeat(64)}\n` });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/refused the secret.*nothing was stored/);
    expect(secretsFileText(world.sb).includes(made.clientId)).toBe(false);

    // Nothing on stdin is a usage error.
    const empty = await world.sb.run(['sa', 'import', made.clientId, '--profile', flavor], { input: '' });
    expect(empty.code).toBe(2);

    // The right one, from stdin (no session needed: this is the token endpoint only).
    const ok = await world.sb.run(['sa', 'import', made.clientId, '--profile', flavor, '--json'], { input: `${made.clientSecret}\n` });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ clientId: made.clientId, stored: true, verified: true, default: true });
    expectAbsent(ok.stdout + ok.stderr, made.clientSecret, 'the output of import');
    expect(configJson(world.sb).profiles[flavor]?.defaultAccount?.clientId).toBe(made.clientId);

    const token = await world.sb.run(['token', 'get', '--profile', flavor]);
    expect(token.code, token.stderr).toBe(0);
    expect((await jsonRequest(resourceUrl(world.emu, flavor), { token: token.stdout.trim() })).status).toBe(200);

    // Without a terminal it says so in words, too.
    const again = await world.sb.run(['sa', 'import', made.clientId, '--profile', flavor], { input: made.clientSecret });
    expect(again.stderr).toMatch(/the issuer accepted it/);

    // A second account does not take over the default unless asked (--default).
    const other = await sa(world.sb, world.tokens, flavor, ['sa', 'create', '--name', `second-${flavor}`, '--json']);
    expect(JSON.parse(other.stdout).default).toBe(false);
    expect(configJson(world.sb).profiles[flavor]?.defaultAccount?.clientId).toBe(made.clientId);
    const third = await sa(world.sb, world.tokens, flavor, ['sa', 'create', '--name', `third-${flavor}`, '--default', '--json']);
    expect(configJson(world.sb).profiles[flavor]?.defaultAccount?.clientId).toBe(JSON.parse(third.stdout).clientId);
  });
});

describe('eun sa pat', () => {
  it('creates (shown once), lists (never shown again) and deletes personal access world.tokens on eunifyer', async () => {
    const principal = await world.emu.createServiceAccount('eunifyer', { name: 'pat-owner', scopes: ['partner:orgs:read'] });
    const created = await sa(world.sb, world.tokens, 'eunifyer', ['sa', 'pat', 'create', 'pat-owner', '--name', 'prod-key-1', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const pat = JSON.parse(created.stdout) as { id: string; token: string; scopes: string[] };
    expect(pat.token).toMatch(/^pat_[0-9a-f]{20,}$/);
    expect(pat.scopes).toEqual(['partner:orgs:read']);
    expectAbsent(created.stderr, pat.token, 'stderr of pat create');
    // The PAT works at the resource endpoint.
    expect((await jsonRequest(resourceUrl(world.emu, 'eunifyer'), { token: pat.token })).status).toBe(200);

    const listed = await sa(world.sb, world.tokens, 'eunifyer', ['sa', 'pat', 'list', principal.clientId]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(pat.id);
    expectAbsent(listed.stdout, pat.token, 'pat list');

    const refused = await sa(world.sb, world.tokens, 'eunifyer', ['sa', 'pat', 'delete', 'pat-owner', pat.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes required when not running interactively');
    const deleted = await sa(world.sb, world.tokens, 'eunifyer', ['sa', 'pat', 'delete', 'pat-owner', pat.id, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await jsonRequest(resourceUrl(world.emu, 'eunifyer'), { token: pat.token })).status).toBe(401);
    const unknown = await sa(world.sb, world.tokens, 'eunifyer', ['sa', 'pat', 'delete', 'pat-owner', pat.id, '--yes']);
    expect(unknown.code).toBe(3);
  });

  it('is a usage error on centrali, which has none', async () => {
    await world.emu.createServiceAccount('centrali', { name: 'no-pats' });
    const r = await sa(world.sb, world.tokens, 'centrali', ['sa', 'pat', 'list', 'no-pats']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only on eunifyer/);
  });
});
