import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCompletionAccountList } from '../../src/core/completion/account-list.js';
import { ROOT, Sandbox, runCli } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import {
  COMPLETIONS,
  type Line,
  type ManifestCommand,
  childrenOf,
  completeBash,
  completeFish,
  completeZsh,
  longFlagsOf,
  manifestCommands,
  typed,
} from './shells.js';

const run = promisify(execFile);
const sorted = (words: string[]) => [...new Set(words)].sort();

let dir: string;
let env: Record<string, string>;
let commands: ManifestCommand[];
/** Scripts generated from the current manifest: the shells test these, the staleness test compares them with completions/. */
let generated: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eun-completion-'));
  env = {
    HOME: join(dir, 'home'),
    EUN_CONFIG_DIR: join(dir, 'config'),
    EUN_CACHE_DIR: join(dir, 'cache'),
  };
  mkdirSync(env.EUN_CONFIG_DIR!, { recursive: true });
  writeFileSync(
    join(env.EUN_CONFIG_DIR!, 'config.json'),
    JSON.stringify({
      version: 1,
      activeProfile: 'acme',
      profiles: {
        acme: { flavor: 'centrali', issuer: 'https://auth.centrali.example', workspace: 'acme-corp' },
        'local.dev': { flavor: 'eunifyer', issuer: 'http://127.0.0.1:8080/realms/eunify' },
      },
    }),
  );
  // Written by the same code as `eun sa list` uses, so the scripts read what it writes.
  const cache = (profile: string, writtenAt: number, accounts: Array<{ id: string; clientId: string; name: string }>) =>
    saveCompletionAccountList({ env, homedir: env.HOME!, now: () => writtenAt, debug: () => {} }, profile, accounts);
  // The active profile's accounts; `bot` is a duplicate name, so only its ids are offered.
  await cache('acme', Date.now(), [
    { id: 'sa_1', clientId: 'cli-aaa', name: 'deployer' },
    { id: 'sa_2', clientId: 'cli-bbb', name: 'bot' },
    { id: 'sa_3', clientId: 'cli-ccc', name: 'bot' },
  ]);
  await cache('local.dev', Date.now(), [{ id: 'sa_9', clientId: 'cli-zzz', name: 'local-bot' }]);
  // A day-old list is not offered.
  await cache('default', Date.now() - 2 * 86_400_000, [{ id: 'sa_old', clientId: 'cli-old', name: 'old' }]);
  expect(statSync(join(env.EUN_CACHE_DIR!, 'completion', 'accounts-acme.json')).mode & 0o777).toBe(0o600);
  commands = manifestCommands();
  generated = join(dir, 'generated');
  await run(process.execPath, [join(ROOT, 'scripts', 'gen-completions.mjs'), '--out', generated]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('completion scripts in completions/', () => {
  it('are what the generator makes from the current manifest (run npm run build if this fails)', async () => {
    const out = generated;
    const names = readdirSync(out).sort();
    expect(names).toEqual(['_eun', 'eun.bash', 'eun.fish']);
    const stale = names.filter((name) => !existsSync(join(COMPLETIONS, name)) || readFileSync(join(COMPLETIONS, name), 'utf8') !== readFileSync(join(out, name), 'utf8'));
    expect(stale.map((name) => `completions/${name} is stale: run npm run build (or node scripts/gen-completions.mjs) and commit it`)).toEqual([]);
  });

  it('parse in each shell', async () => {
    await run('bash', ['-n', join(COMPLETIONS, 'eun.bash')]);
    await run('zsh', ['-n', join(COMPLETIONS, '_eun')]);
    await run('fish', ['-n', join(COMPLETIONS, 'eun.fish')]);
  });

  it('are what eun completion prints', async () => {
    for (const [shell, file] of [['bash', 'eun.bash'], ['zsh', '_eun'], ['fish', 'eun.fish']] as const) {
      const r = await runCli(['completion', shell]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout === readFileSync(join(COMPLETIONS, file), 'utf8'), `eun completion ${shell}`).toBe(true);
    }
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bash, zsh, fish/);
  });
});

/** Cases every shell must complete the same way: [line, expected matches]. */
function cases(commands: ManifestCommand[]): Array<[Line, string[]]> {
  const ours = commands.filter((c) => c.id !== 'help');
  const topics = sorted(commands.flatMap((c) => c.id.split(' ').slice(0, -1).map((_, i, w) => w.slice(0, i + 1).join(' '))));
  const list: Array<[Line, string[]]> = [
    [['eun', ''], childrenOf(commands, '')],
    [['eun', 'pro'], ['profile']],
    [['eun', 'nosuchtopic', ''], []],
    [['eun', '--'], ['--help', '--version']],
    [['eun', 'profile', '--'], ['--help']],
    // Profile names from the config file, plus the built-in default.
    [['eun', 'profile', 'list', '--profile', ''], ['acme', 'default', 'local.dev']],
    [['eun', 'profile', 'use', ''], ['acme', 'default', 'local.dev']],
    [['eun', 'profile', 'show', 'l'], ['local.dev']],
    [['eun', 'profile', 'add', 'new', '--flavor', ''], ['centrali', 'eunifyer']],
    [['eun', 'completion', ''], ['bash', 'fish', 'zsh']],
    // `eun help` takes a command path.
    [['eun', 'help', ''], childrenOf(commands, '')],
    [['eun', 'help', 'profile', ''], childrenOf(commands, 'profile')],
    [['eun', 'help', 'profile', 'add', ''], []],
  ];
  // Every topic's subcommands (`eun sa `, `eun sa pat `, …).
  for (const topic of topics) list.push([['eun', ...topic.split(' '), ''], childrenOf(commands, topic)]);
  // Every command's long flags, and the values of every flag with a fixed list.
  for (const c of ours) {
    list.push([['eun', ...c.id.split(' '), '--'], longFlagsOf(c)]);
    for (const f of Object.values(c.flags)) {
      if (f.options?.length && !f.hidden) list.push([['eun', ...c.id.split(' '), `--${f.name}`, ''], sorted(f.options)]);
    }
  }
  // Service-account refs from the completion cache of the profile in use.
  const withRef = ours.find((c) => Object.keys(c.args)[0] === 'ref');
  if (withRef) {
    const words = withRef.id.split(' ');
    list.push([['eun', ...words, ''], ['deployer', 'sa_1', 'sa_2', 'sa_3']]);
    list.push([['eun', ...words, '--profile', 'local.dev', ''], ['local-bot', 'sa_9']]);
    list.push([['eun', ...words, '--profile', 'default', ''], []]);
  }
  const withClientId = ours.find((c) => c.flags['client-id']);
  if (withClientId) list.push([['eun', ...withClientId.id.split(' '), '--client-id', ''], ['cli-aaa', 'cli-bbb', 'cli-ccc']]);
  return list;
}

/** Whether the line asks for flags (shells differ on offering `--no-x` and `-x` there). */
const longOnly = (line: Line, matches: string[]) => (line.at(-1) === '--' ? matches.filter((m) => m.startsWith('--')) : matches);

/** Completes each case and returns the ones that came out wrong. */
async function failures(shell: string, complete: Complete, list: Array<[Line, string[]]>, scripts?: string): Promise<string[]> {
  const results = await complete(
    list.map(([line]) => line),
    env,
    scripts,
  );
  const wrong: string[] = [];
  list.forEach(([line, expected], i) => {
    const got = sorted(longOnly(line, results[i] ?? []));
    if (JSON.stringify(got) !== JSON.stringify(sorted(expected))) {
      wrong.push(`${shell}: "${typed(line)}" gave [${got.join(' ')}], expected [${sorted(expected).join(' ')}]`);
    }
  });
  return wrong;
}

type Complete = (lines: Line[], env?: Record<string, string>, dir?: string) => Promise<string[][]>;
const SHELLS = [
  ['bash', completeBash],
  ['zsh', completeZsh],
  ['fish', completeFish],
] as const;

describe.each(SHELLS)('completion in %s', (shell, complete) => {
  it('offers commands, subcommands, flags, flag values and profiles of the current manifest', async () => {
    expect(await failures(shell, complete, cases(commands), generated)).toEqual([]);
  });

  it('offers directories for a --…-dir flag', async () => {
    const withDir = commands.find((c) => Object.keys(c.flags).some((f) => f.endsWith('-dir')));
    expect(withDir, 'a command with a directory flag (emulator start --data-dir)').toBeDefined();
    const flag = Object.keys(withDir!.flags).find((f) => f.endsWith('-dir'))!;
    const [dirs] = await complete([['eun', ...withDir!.id.split(' '), `--${flag}`, 'comp']], env, generated);
    expect(sorted(dirs!.map((d) => d.replace(/\/$/, '')))).toEqual(['completions']);
  });

  it('offers service-account refs and client ids from the completion cache, and commands after --', async () => {
    // Commands shaped like `sa get REF` and `token exec --client-id ID -- CMD`, so that these
    // paths are covered whatever commands the manifest holds today.
    const scripts = join(dir, 'synthetic');
    const manifestFile = join(dir, 'synthetic-manifest.json');
    if (!existsSync(manifestFile)) {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> };
      const profile = { name: 'profile', type: 'option' };
      manifest.commands['sa:get'] = { id: 'sa:get', args: { ref: { name: 'ref' } }, flags: { profile, json: { name: 'json', type: 'boolean' } } };
      manifest.commands['token:exec'] = {
        id: 'token:exec',
        strict: false,
        args: {},
        flags: { profile, 'client-id': { name: 'client-id', type: 'option' }, env: { name: 'env', type: 'option' } },
      };
      writeFileSync(manifestFile, JSON.stringify(manifest));
      await run(process.execPath, [join(ROOT, 'scripts', 'gen-completions.mjs'), '--manifest', manifestFile, '--out', scripts]);
    }
    const synthetic = manifestCommands(true, manifestFile);
    const list = cases(synthetic).filter(([line]) => line[1] === 'sa' || line[1] === 'token');
    expect(list.length).toBeGreaterThanOrEqual(6);
    expect(await failures(shell, complete, list, scripts)).toEqual([]);
    const [afterDashDash, flagsBefore] = await complete(
      [
        ['eun', 'token', 'exec', '--env', 'TOKEN', '--', 'printen'],
        ['eun', 'token', 'exec', '--env', 'TOKEN', '--'],
      ],
      env,
      scripts,
    );
    // fish applies no rule of the command after `--` (it offers files there).
    if (shell !== 'fish') expect(afterDashDash).toContain('printenv');
    expect(flagsBefore).toEqual(expect.arrayContaining(['--client-id', '--help', '--profile']));
  });
});

describe('bash specifics', () => {
  it('completes --flag=value as bash splits it', async () => {
    const [eq, partial] = await completeBash(
      [
        ['eun', 'profile', 'add', 'x', '--flavor', '='],
        ['eun', 'profile', 'add', 'x', '--flavor', '=', 'cen'],
      ],
      env,
      generated,
    );
    expect(eq).toEqual(['eunifyer', 'centrali']);
    expect(partial).toEqual(['centrali']);
  });

  it('is found by bash-completion when installed as the README says', async () => {
    const userDir = join(dir, 'bash-completion');
    mkdirSync(join(userDir, 'completions'), { recursive: true });
    symlinkSync(join(COMPLETIONS, 'eun.bash'), join(userDir, 'completions', 'eun'));
    const { stdout } = await run(
      'bash',
      ['--norc', '--noprofile', '-c', 'source /usr/share/bash-completion/bash_completion; _completion_loader eun; complete -p eun'],
      { env: { PATH: process.env.PATH ?? '', HOME: env.HOME!, BASH_COMPLETION_USER_DIR: userDir } },
    );
    expect(stdout.trim()).toBe('complete -F _eun eun');
  });
});

describe('after eun sa list against the emulator', () => {
  it('completes the names and ids that eun sa list saw, per profile, in each shell', async () => {
    const emu = await startEmulator();
    const sb = new Sandbox();
    try {
      const add = await sb.run(['profile', 'add', 'local', '--flavor', 'eunifyer', '--issuer', emu.eunifyer.issuer, '--api', emu.base, '--use']);
      expect(add.code, add.stderr).toBe(0);
      const made = await emu.createServiceAccount('eunifyer', { name: 'completion-bot' });
      const { access_token } = await emu.userToken('eunifyer');
      const list = await sb.run(['sa', 'list', '--all', '--json'], { env: { EUN_TOKEN: access_token } });
      expect(list.code, list.stderr).toBe(0);
      const listed = (JSON.parse(list.stdout) as Array<{ id: string; name: string; clientId: string }>).filter((a) => a.name === 'completion-bot');
      expect(listed).toHaveLength(1);
      expect(listed[0]!.clientId).toBe(made.clientId);
      const saved = readFileSync(join(sb.env.EUN_CACHE_DIR!, 'completion', 'accounts-local.json'), 'utf8');
      expect(saved).not.toMatch(/secret/i);
      const lines: Line[] = [
        ['eun', 'sa', 'rotate', 'completion-'],
        ['eun', 'token', 'get', '--client-id', made.clientId.slice(0, -1)],
        ['eun', 'sa', 'get', '--profile', 'default', 'completion-'],
      ];
      const expected = [['completion-bot'], [made.clientId], []];
      for (const [shell, complete] of SHELLS) {
        const got = await complete(lines, sb.env, generated);
        expect(got.map((matches) => sorted(matches)), shell).toEqual(expected);
      }
    } finally {
      sb.cleanup();
      await emu.stop();
    }
  });
});
