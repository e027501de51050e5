import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/cli.js';

const run = promisify(execFile);

// This test installs the packed tarball from the npm registry's dependencies, so it is slow
// (a few seconds with a warm npm cache): it runs once per CI job, under the pinned Node 24.
const PINNED_NODE = join(ROOT, 'node_modules', 'node', 'bin', 'node');
const underPinnedNode = (() => {
  try {
    return realpathSync(process.execPath) === realpathSync(PINNED_NODE);
  } catch {
    return false;
  }
})();
if (!underPinnedNode) console.log(`pack test skipped: it runs once, under the pinned Node (${PINNED_NODE}), not ${process.execPath}`);

let dir: string;
let tarball: string;
let packedFiles: string[];
let unpacked: string;
let prefix: string;
let installed: string;
/** Environment of npm and of the installed eun: the pinned Node first on PATH, no npm_* of an outer npm run. */
let env: Record<string, string>;
let sb: Sandbox;

beforeAll(async () => {
  if (!underPinnedNode) return;
  dir = mkdtempSync(join(tmpdir(), 'eun-pack-'));
  env = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(npm_|NODE_ENV$|EUN_|VITEST)/i.test(k)) env[k] = v;
  env.PATH = `${dirname(PINNED_NODE)}:${env.PATH ?? ''}`;
  env.npm_config_update_notifier = 'false';
  // --ignore-scripts: `npm test` has just built dist/, the manifest and completions/, and a
  // rebuild here would rewrite files that tests running in parallel are loading.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(dir, packed!.filename);
  packedFiles = packed!.files.map((f) => f.path).sort();
  unpacked = join(dir, 'unpacked');
  mkdirSync(unpacked);
  await run('tar', ['-xzf', tarball, '-C', unpacked]);
  prefix = join(dir, 'prefix');
  mkdirSync(prefix);
  await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], { env, timeout: 110_000 });
  installed = join(prefix, 'lib', 'node_modules', 'eun');
  sb = new Sandbox();
}, 120_000);

afterAll(() => {
  if (!underPinnedNode) return;
  sb?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the installed `eun`. */
function eun(args: string[]) {
  return run(join(prefix, 'bin', 'eun'), args, { env: { ...env, ...sb.env }, timeout: 20_000 });
}

function walk(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => join(root, f))
    .filter((f) => statSync(f).isFile());
}

describe.skipIf(!underPinnedNode)('npm pack and install -g', () => {
  it('packs the runtime files and nothing test-only, source-only or secret', () => {
    for (const needed of ['bin/run.js', 'oclif.manifest.json', 'package.json', 'README.md', 'completions/eun.bash', 'completions/_eun', 'completions/eun.fish']) {
      expect(packedFiles).toContain(needed);
    }
    expect(packedFiles.some((f) => f.startsWith('dist/commands/') && f.endsWith('.js'))).toBe(true);
    const unwanted = packedFiles.filter(
      (f) =>
        /^(test|src|scripts|\.ci|node_modules)\//.test(f) ||
        /(^|\/)(\.env[^/]*|\.npmrc|[^/]*\.(pem|key|p12|pfx|tgz))$/.test(f) ||
        (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) ||
        /\.(test|spec)\.[jt]s$/.test(f) ||
        /(^|\/)(tsconfig[^/]*\.json|vitest\.config\.[jt]s)$/.test(f),
    );
    expect(unwanted).toEqual([]);
    const withPrivateKeys = walk(join(unpacked, 'package'))
      .filter((f) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(f, 'latin1')))
      .map((f) => relative(unpacked, f));
    expect(withPrivateKeys).toEqual([]);
  });

  it('has the package metadata a registry user relies on', () => {
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8')) as Record<string, unknown>;
    const scripts = (pkg.scripts ?? {}) as Record<string, string>;
    const files = pkg.files as string[];
    const repository = pkg.repository as { type?: string; url?: string } | undefined;
    const problems = [
      JSON.stringify(pkg.bin) !== JSON.stringify({ eun: 'bin/run.js' }) && `bin is ${JSON.stringify(pkg.bin)}`,
      (pkg.engines as { node?: string } | undefined)?.node !== '>=22.19' && `engines.node is not ">=22.19"`,
      pkg.license !== 'MIT' && `license is ${String(pkg.license)}`,
      !packedFiles.includes('LICENSE') && 'no LICENSE file in the package',
      !(repository?.type === 'git' && /^(git\+)?https:\/\//.test(repository.url ?? '')) && 'no repository {type: "git", url: "https://…"}',
      !['bin/', 'dist/', 'completions/', 'oclif.manifest.json'].every((f) => files.includes(f)) && `files is ${JSON.stringify(files)}`,
      // The manifest is made at pack time, so a published package never ships a stale one.
      !/oclif manifest|npm run build/.test(scripts.prepack ?? '') && 'no prepack script that builds oclif.manifest.json',
    ].filter(Boolean);
    expect(problems).toEqual([]);
  });

  it('installs without dev dependencies and runs eun --version and eun --help', async () => {
    const deps = readdirSync(join(installed, 'node_modules'));
    for (const dev of ['vitest', 'typescript', 'oclif', 'playwright-core', 'node']) expect(deps).not.toContain(dev);
    const version = await eun(['--version']);
    expect(version.stdout).toMatch(/^eun\/\d+\.\d+\.\d+ \S+ node-v24\./);
    const help = await eun(['--help']);
    expect(help.stdout).toMatch(/\nUSAGE\n {2}\$ eun \[COMMAND\]\n/);
    expect(help.stdout).toMatch(/\n {2}profile\s/);
    const completion = await eun(['completion', 'zsh']);
    expect(completion.stdout === readFileSync(join(ROOT, 'completions', '_eun'), 'utf8')).toBe(true);
  });

  it('runs the emulator from the installed package and stops it on SIGTERM', async (ctx) => {
    const manifest = JSON.parse(readFileSync(join(installed, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> };
    if (!manifest.commands['emulator:start']) {
      console.log('emulator part skipped: the packed manifest has no emulator start command yet');
      ctx.skip();
    }
    const child: ChildProcess = spawn(join(prefix, 'bin', 'eun'), ['emulator', 'start', '--port', '0', '--json'], {
      env: { ...env, ...sb.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const ready = await new Promise<string>((resolveReady, reject) => {
        let stdout = '';
        const timer = setTimeout(() => reject(new Error(`no ready line in 15 s; stderr: ${stderr}`)), 15_000);
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
          if (stdout.includes('\n')) {
            clearTimeout(timer);
            resolveReady(stdout.split('\n')[0]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`emulator exited ${code}: ${stderr}`)));
      });
      const { eunifyerIssuer } = JSON.parse(ready) as { eunifyerIssuer: string };
      expect(eunifyerIssuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const discovery = await fetch(`${eunifyerIssuer}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(eunifyerIssuer);
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      child.kill('SIGTERM');
      expect(await Promise.race([exited, new Promise((done) => setTimeout(() => done('still running'), 5_000))])).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
