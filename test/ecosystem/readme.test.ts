import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'eun-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README.md', () => {
  it('has a command reference that matches the commands (run npm run readme if this fails)', () => {
    const copy = join(dir, 'README.md');
    copyFileSync(join(ROOT, 'README.md'), copy);
    const env: NodeJS.ProcessEnv = { ...process.env, OCLIF_COLUMNS: '100' };
    delete env.NODE_ENV;
    execFileSync(process.execPath, [join(ROOT, 'node_modules/oclif/bin/run.js'), 'readme', '--no-aliases', '--no-source-links', '--readme-path', copy], {
      cwd: ROOT,
      env,
      stdio: 'pipe',
    });
    const section = (text: string) => text.slice(text.indexOf('<!-- commands -->'), text.indexOf('<!-- commandsstop -->'));
    const committed = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(section(committed)).toContain('## `eun token get`');
    expect(section(readFileSync(copy, 'utf8')) === section(committed), 'the command reference in README.md is stale').toBe(true);
  });

  it('gives the two-command quick start and the test command CI runs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toMatch(/^npm test\b/m);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
