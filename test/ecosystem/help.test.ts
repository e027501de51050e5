import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/cli.js';

const run = promisify(execFile);
const CHECKER = join(ROOT, 'test', 'ecosystem', 'fixtures', 'check-help.mjs');

let sb: Sandbox;
beforeAll(() => {
  sb = new Sandbox();
});
afterAll(() => sb.cleanup());

/** Runs the checker in the sandbox (no NODE_ENV: oclif would look for TypeScript sources). */
async function check(extra: string[] = []): Promise<Array<{ id: string; problems: string[] }>> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...sb.env, COLUMNS: '100' };
  const { stdout } = await run(process.execPath, [CHECKER, ...extra], { env, cwd: sb.dir, maxBuffer: 8 << 20 });
  return JSON.parse(stdout) as Array<{ id: string; problems: string[] }>;
}

describe('--help of every command', () => {
  it('has a summary, a description and examples whose eun invocations parse', async () => {
    const results = await check();
    expect(results.map((r) => r.id)).toEqual(expect.arrayContaining(['completion', 'profile add']));
    const problems = results.flatMap((r) => r.problems.map((p) => `eun ${r.id}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('catches an example that does not parse or does not run the command', async () => {
    const results = await check([
      '--extra', 'profile add', 'eun profile add x --flavor okta --issuer https://a.example',
      '--extra', 'profile add', 'eun profile add x --no-such-flag',
      '--extra', 'profile list', 'eun profile lst',
      '--extra', 'profile list', 'eun profile list extra',
      '--extra', 'profile show', 'curl -H "Authorization: Bearer $(eun token get)" https://api.example',
      '--extra', 'completion', 'eun completion "bash',
    ]);
    const problems = (id: string) => results.find((r) => r.id === id)?.problems ?? [];
    expect(problems('profile add')).toEqual([
      expect.stringMatching(/--flavor okta.* does not parse: Expected --flavor=okta to be one of/),
      expect.stringMatching(/--no-such-flag" does not parse: Nonexistent flag: --no-such-flag/),
    ]);
    expect(problems('profile list')).toEqual([
      'example "eun profile lst": no command "profile lst"',
      'example "eun profile lst" does not run eun profile list',
      expect.stringMatching(/"eun profile list extra" does not parse: Unexpected argument: extra/),
    ]);
    expect(problems('profile show')).toEqual([expect.stringMatching(/does not run eun profile show$/)]);
    expect(problems('completion')).toEqual([expect.stringMatching(/unclosed double quote/)]);
  });

  it('is what eun COMMAND --help prints', async () => {
    const r = await sb.run(['profile', 'add', '--help'], { env: { COLUMNS: '100' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Save a server profile\.\n\nUSAGE\n/);
    expect(r.stdout).toMatch(/\nDESCRIPTION\n {2}Save a server profile\.\n\n {2}A profile says/);
    expect(r.stdout).toMatch(/\nEXAMPLES\n {2}\$ eun profile add prod --flavor eunifyer/);
  });
});
