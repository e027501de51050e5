import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/cli.js';

interface ManifestCommand {
  id: string;
  args: Record<string, { required?: boolean }>;
}

/** Commands that read stdin on purpose, for a token they are given there. */
const READS_STDIN = new Set(['token:inspect', 'login']);

const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, ManifestCommand>;
};
const withRequiredArgs = Object.values(manifest.commands).filter((c) =>
  Object.values(c.args).some((a) => a.required),
);
const withOnlyOptionalArgs = Object.values(manifest.commands).filter(
  (c) => Object.keys(c.args).length > 0 && !Object.values(c.args).some((a) => a.required) && !READS_STDIN.has(c.id),
);

const sb = new Sandbox();
afterAll(() => sb.cleanup());

// oclif would read a missing positional argument from stdin: `printf %s "$SECRET" | eun sa
// import` must never take the secret for the client id and echo it in an error.
describe('positional arguments never come from stdin', () => {
  it('covers the commands that take arguments', () => {
    expect(withRequiredArgs.map((c) => c.id)).toEqual(expect.arrayContaining(['sa:import', 'sa:rotate', 'profile:add']));
  });

  it('covers the commands whose arguments are optional', () => {
    expect(withOnlyOptionalArgs.map((c) => c.id)).toContain('profile:show');
  });

  it.each(withOnlyOptionalArgs.map((c) => [c.id.replaceAll(':', ' ')]))('eun %s without its optional argument', async (command) => {
    const secret = `sk_${'8'.repeat(64)}`;
    const r = await sb.run([...command.split(' ')], { input: secret });
    expect(r.stderr).not.toMatch(/not found|invalid/);
    expect(r.stdout.includes(secret) || r.stderr.includes(secret), 'the secret on stdin was echoed').toBe(false);
  });

  it.each(withRequiredArgs.map((c) => [c.id.replaceAll(':', ' ')]))('eun %s with the argument missing', async (command) => {
    const secret = `sk_${'7'.repeat(64)}`;
    const r = await sb.run([...command.split(' ')], { input: secret });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Missing \d+ required args?: [a-z_]+/);
    expect(r.stdout.includes(secret) || r.stderr.includes(secret), 'the secret on stdin was echoed').toBe(false);
  });
});
