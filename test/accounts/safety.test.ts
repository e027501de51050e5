import { describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import type { Emulator } from '../helpers/emulator.js';
import { FLAVORS, sa, secretsFileText, serverAccounts, useFlavorWorld } from './setup.js';

const world = useFlavorWorld();

/** Runs `work` over `items`, two at a time, keeping the order of the results. */
async function inPairs<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 2) results.push(...(await Promise.all(items.slice(i, i + 2).map(work))));
  return results;
}

/** The server's accounts as comparable JSON (to prove a refused command changed nothing). */
const snapshot = async (flavor: (typeof FLAVORS)[number]) => JSON.stringify(await serverAccounts(world.emu, world.tokens, flavor));

describe.each(FLAVORS)('safety and bad input (%s)', (flavor) => {
  it('never deletes, rotates or revokes without --yes when no one can confirm', async () => {
    const target = await world.emu.createServiceAccount(flavor, { name: `keep-${flavor}` });
    const before = await snapshot(flavor);
    const runs = ['delete', 'rotate', 'revoke'].flatMap((verb) => [[verb], [verb, '--json']]);
    const results = await inPairs(runs, ([verb, ...extra]) => sa(world.sb, world.tokens, flavor, ['sa', verb as string, String(target.id), ...extra]));
    runs.forEach(([verb, json], i) => {
      const r = results[i] as CliResult;
      expect(r.code, `${verb} ${json ?? ''}: ${r.stderr}`).toBe(2);
      if (json === undefined) expect(r.stderr).toBe('eun: --yes required when not running interactively\n');
      else expect(JSON.parse(r.stdout).error.message).toBe('--yes required when not running interactively');
    });
    // CI=true on a terminal-less run is the same: no prompt, no change.
    const ci = await sa(world.sb, world.tokens, flavor, ['sa', 'delete', String(target.id)], { env: { CI: 'true' } });
    expect(ci.code).toBe(2);
    expect(await snapshot(flavor)).toBe(before);
  });

  it('refuses bad names, REFs and page numbers before anything reaches the server', async () => {
    const before = await snapshot(flavor);
    const nameCases: Array<[string, string[], number, RegExp]> = [
      ['empty name', ['sa', 'create', '--name', ''], 2, /--name: the name must not be empty/],
      ['300-character name', ['sa', 'create', '--name', 'x'.repeat(300)], 2, /300 characters; at most 128/],
      ['control characters', ['sa', 'create', '--name', 'evil\u001b[31mred'], 2, /control characters/],
    ];
    // The rest is checked the same way whatever the flavor: once is enough.
    const otherCases: Array<[string, string[], number, RegExp]> = [
      ['blank name', ['sa', 'create', '--name', '   '], 2, /must not be empty/],
      ['newline in a name', ['sa', 'create', '--name', 'two\nlines'], 2, /control characters/],
      ['rename to a control character', ['sa', 'rename', 'whatever', 'bad\u0007bell'], 2, /NEW_NAME.*control characters/],
      ['missing name without a terminal', ['sa', 'create'], 2, /missing --name/],
      ['page 0', ['sa', 'list', '--page', '0'], 2, /--page "0"/],
      ['negative limit', ['sa', 'list', '--limit=-5'], 2, /--limit/],
      ['limit over 100', ['sa', 'list', '--limit', '101'], 2, /from 1 to 100/],
      ['--page with --all', ['sa', 'list', '--page', '2', '--all'], 2, /--page and --all/],
      ['empty REF', ['sa', 'get', ''], 2, /REF: it must not be empty/],
      ['update with nothing', ['sa', 'update', 'x'], 2, /nothing to change/],
      ['bad scope', ['sa', 'create', '--name', 'ok', '--scope', 'a"b'], 2, /--scope/],
    ];
    const cases = flavor === 'eunifyer' ? [...nameCases, ...otherCases] : nameCases;
    // Independent runs: two at a time keeps both cores busy.
    const results = await inPairs(cases, ([, args]) => sa(world.sb, world.tokens, flavor, args));
    cases.forEach(([what, , code, message], i) => {
      const r = results[i] as CliResult;
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).not.toMatch(/\u001b/); // the escape never reaches the terminal raw
      expect(r.stdout, what).toBe('');
    });
    expect(await snapshot(flavor)).toBe(before);
  });

  it('says "not found" (exit 3) for unknown REFs and lists the candidates of an ambiguous name (exit 2)', async () => {
    const unknownId = flavor === 'eunifyer' ? 'sp_0123456789abcdef' : '987654';
    const lookups: string[][] = [
      ['get', unknownId],
      ['get', 'ci_doesnotexist00000000'],
      ['delete', 'no such account', '--yes'],
      ['rotate', unknownId, '--yes'],
    ];
    for (const [verb, ref, ...rest] of lookups) {
      const r = await sa(world.sb, world.tokens, flavor, ['sa', verb as string, ref as string, ...rest]);
      expect(r.code, `${verb} ${ref}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain(`service account ${ref} not found`);
    }
    const a = await world.emu.createServiceAccount(flavor, { name: `twin-${flavor}` });
    const b = await world.emu.createServiceAccount(flavor, { name: `twin-${flavor}` });
    const before = await snapshot(flavor);
    const r = await sa(world.sb, world.tokens, flavor, ['sa', 'delete', `twin-${flavor}`, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 service accounts are named/);
    expect(r.stderr).toContain(a.clientId);
    expect(r.stderr).toContain(b.clientId);
    expect(await snapshot(flavor)).toBe(before);
  });

  it('maps 401 and 403 to exit 4 with advice, and --json errors to {error}', async () => {
    const bad = await world.sb.run(['sa', 'list', '--profile', flavor], { env: { EUN_TOKEN: 'not-a-valid-token' } });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/HTTP 401/);
    expect(bad.stderr).toMatch(/hint: run eun login/);

    const wrong = flavor === 'centrali' ? await world.emu.userToken('centrali', { workspace: 'other-corp' }) : await world.emu.userToken('eunifyer', { scope: 'openid' });
    const forbidden = await world.sb.run(['sa', 'list', '--profile', flavor, '--json'], { env: { EUN_TOKEN: wrong.access_token } });
    expect(forbidden.code).toBe(4);
    const { error } = JSON.parse(forbidden.stdout);
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(flavor === 'centrali' ? /workspace acme-corp/ : /scope admin:access/);

    // The seed's "Token expired": said in those words, with what to do.
    const short = await world.emu.userToken(flavor, { ttl: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await world.sb.run(['sa', 'list', '--profile', flavor], { env: { EUN_TOKEN: short.access_token } });
    expect(expired.code).toBe(4);
    expect(expired.stderr).toMatch(/your session has expired \(HTTP 401\)\nhint: run eun login/);

    // No session and no EUN_TOKEN: exit 4, "run eun login".
    const none = await world.sb.run(['sa', 'list', '--profile', flavor]);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/eun login/);
  });
});

describe('secrets that cannot be stored', () => {
  it('still prints the one-time secret, says it was not stored, then exits non-zero', async () => {
    // A forced keychain with no Secret Service to talk to: storing fails.
    const r = await sa(world.sb, world.tokens, 'eunifyer', ['sa', 'create', '--name', 'unstored', '--json'], {
      env: { EUN_SECRET_STORE: 'keychain', EUN_KEYCHAIN_TIMEOUT_MS: '1000', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' },
    });
    const out = JSON.parse(r.stdout);
    expect(out.clientSecret).toMatch(/^sk_[0-9a-f]{64}$/);
    expect(out.stored).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/NOT stored/);
    expect(r.stderr.includes(out.clientSecret)).toBe(false);
    expect(secretsFileText(world.sb).includes(out.clientId)).toBe(false);
    expect((await serverAccounts(world.emu, world.tokens, 'eunifyer')).some((a) => a.clientId === out.clientId)).toBe(true);

    const plain = await sa(world.sb, world.tokens, 'eunifyer', ['sa', 'create', '--name', 'unstored-2'], {
      env: { EUN_SECRET_STORE: 'keychain', EUN_KEYCHAIN_TIMEOUT_MS: '1000', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' },
    });
    expect(plain.code).not.toBe(0);
    expect(plain.stdout).toMatch(/^clientSecret: sk_[0-9a-f]{64}$/m);
    expect(plain.stderr).toMatch(/NOT stored/);
  });
});
