import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/cli.js';

const run = promisify(execFile);

/** The shipped completion scripts. */
export const COMPLETIONS = join(ROOT, 'completions');

/** A command line typed so far; the last word is the one being completed ('' after a space). */
export type Line = string[];

/** Turns words into the text a user typed. */
export const typed = (words: Line): string => words.join(' ');

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** A PATH whose `node` is the one running the tests (the scripts run `node -e` for dynamic values). */
function envWithNode(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(EUN_|XDG_)/.test(k)) base[k] = v;
  return { ...base, PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`, ...env };
}

const END = '@@end@@';

function splitRuns(stdout: string, count: number): string[][] {
  const runs = stdout.split(`${END}\n`).slice(0, count);
  return runs.map((r) => r.split('\n').filter((w) => w !== ''));
}

/**
 * Completes lines in bash the way readline would: COMP_WORDS/COMP_CWORD/COMP_LINE set and
 * the function that `complete -p eun` names called, after loading bash-completion.
 * Words are given as bash splits them (`--flavor=x` is `--flavor`, `=`, `x`).
 */
export async function completeBash(lines: Line[], env: Record<string, string> = {}, dir = COMPLETIONS): Promise<string[][]> {
  const script = [
    'source /usr/share/bash-completion/bash_completion',
    `source ${shellQuote(join(dir, 'eun.bash'))}`,
    `fn=$(complete -p eun | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')`,
    ...lines.map((words) => {
      const line = typed(words);
      return [
        `COMP_WORDS=(${words.map(shellQuote).join(' ')}); COMP_CWORD=${words.length - 1}`,
        `COMP_LINE=${shellQuote(line)}; COMP_POINT=${line.length}; COMPREPLY=()`,
        `"$fn" eun ${shellQuote(words.at(-1) ?? '')} ${shellQuote(words.at(-2) ?? '')}`,
        `printf '%s\\n' "\${COMPREPLY[@]}"; echo ${END}`,
      ].join('; ');
    }),
  ].join('\n');
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', script], { env: envWithNode(env) });
  return splitRuns(stdout, lines.length);
}

/** Completes lines in fish with `complete -C`; matches only (descriptions dropped). */
export async function completeFish(lines: Line[], env: Record<string, string> = {}, dir = COMPLETIONS): Promise<string[][]> {
  const fq = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  const script = [
    `source ${fq(join(dir, 'eun.fish'))}`,
    ...lines.map((words) => `complete -C ${fq(typed(words))}; echo ${END}`),
  ].join('\n');
  const { stdout } = await run('fish', ['--no-config', '-c', script], { env: envWithNode(env) });
  return splitRuns(stdout, lines.length).map((r) => r.map((m) => m.split('\t')[0]!));
}

const ZSH_CAPTURE = join(ROOT, 'test', 'ecosystem', 'fixtures', 'zsh-complete.zsh');

/** Completes lines in one interactive zsh on a pty (zpty) with compinit and `_eun` on fpath; matches only. */
export async function completeZsh(lines: Line[], env: Record<string, string> = {}, dir = COMPLETIONS): Promise<string[][]> {
  const { stdout } = await run('zsh', ['-f', ZSH_CAPTURE, dir, ...lines.map(typed)], {
    env: envWithNode({ HOME: env.HOME ?? '/nonexistent', ...env }),
    timeout: 25_000,
    maxBuffer: 8 << 20,
  });
  return splitRuns(stdout, lines.length).map((r) => r.map((l) => l.split(' -- ')[0]!));
}

/** A command of the manifest, as the tests see it. */
export interface ManifestCommand {
  id: string;
  hidden?: boolean;
  summary?: string;
  description?: string;
  examples?: Array<string | { command: string; description?: string }>;
  strict?: boolean;
  flags: Record<string, { name: string; type: 'boolean' | 'option'; char?: string; options?: string[]; allowNo?: boolean; hidden?: boolean }>;
  args: Record<string, { name: string; options?: string[] }>;
}

/** The commands of eun's own manifest and of its plugins (space-separated ids, hidden ones dropped). */
export function manifestCommands(includePlugins = true, manifest = join(ROOT, 'oclif.manifest.json')): ManifestCommand[] {
  const files = [manifest];
  if (includePlugins) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { oclif: { plugins?: string[] } };
    for (const plugin of pkg.oclif.plugins ?? []) files.push(join(ROOT, 'node_modules', plugin, 'oclif.manifest.json'));
  }
  return files.flatMap((file) => {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { commands: Record<string, ManifestCommand> };
    return Object.values(manifest.commands)
      .filter((c) => !c.hidden)
      .map((c) => ({ ...c, id: c.id.replaceAll(':', ' ') }));
  });
}

/** The words that may follow a topic ('' is the top level): next words of the command ids below it. */
export function childrenOf(commands: ManifestCommand[], topic: string): string[] {
  const prefix = topic === '' ? [] : topic.split(' ');
  const words = new Set<string>();
  for (const c of commands) {
    const id = c.id.split(' ');
    if (id.length > prefix.length && prefix.every((w, i) => id[i] === w)) words.add(id[prefix.length]!);
  }
  return [...words].sort();
}

/** The long flags a command's completion must offer. */
export function longFlagsOf(command: ManifestCommand): string[] {
  const flags = Object.values(command.flags)
    .filter((f) => !f.hidden)
    .flatMap((f) => [`--${f.name}`, ...(f.allowNo ? [`--no-${f.name}`] : [])]);
  return [...flags, '--help'].sort();
}
