/**
 * The world of a reliability area: an emulator, a sandbox whose profiles `e` (eunifyer) and
 * `c` (centrali) point at it, user tokens for management calls, and the checks every area
 * shares (error shape, local state still readable).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliOptions, type CliResult, Sandbox } from '../helpers/cli.js';
import { type Emulator, type Flavor, clientCredentials, startEmulator } from '../helpers/emulator.js';
import type { AreaFigures } from './figures.js';

/** Profile names of the world, per flavor. */
export const PROFILE: Record<Flavor, string> = { eunifyer: 'e', centrali: 'c' };

/** An emulator plus a sandbox configured for it. */
export interface World {
  emu: Emulator;
  sb: Sandbox;
  /** A user token per flavor (for EUN_TOKEN). */
  userToken(flavor: Flavor): Promise<string>;
  /** Runs `eun ARGS…` in the sandbox (counted in the area's figures). */
  run(args: string[], options?: CliOptions): Promise<CliResult>;
  stop(): Promise<void>;
}

/** Writes the config of profiles `e` and `c` directly (as `eun profile add` would), `e` active. */
export function writeProfiles(sb: Sandbox, emu: Emulator, api = emu.eunifyer.api): void {
  const config = {
    version: 1,
    activeProfile: 'e',
    profiles: {
      e: { flavor: 'eunifyer', issuer: emu.eunifyer.issuer, api },
      c: { flavor: 'centrali', issuer: emu.centrali.issuer, workspace: 'acme-corp' },
    },
  };
  mkdirSync(sb.env.EUN_CONFIG_DIR!, { recursive: true, mode: 0o700 });
  writeFileSync(join(sb.env.EUN_CONFIG_DIR!, 'config.json'), JSON.stringify(config), { mode: 0o600 });
}

/** Starts an emulator and a sandbox for it. */
export async function startWorld(figures: AreaFigures, sandboxEnv: Record<string, string> = {}): Promise<World> {
  const emu = await startEmulator();
  const sb = new Sandbox(sandboxEnv);
  writeProfiles(sb, emu);
  const tokens = new Map<Flavor, string>();
  return {
    emu,
    sb,
    async userToken(flavor) {
      let token = tokens.get(flavor);
      if (!token) {
        token = (await emu.userToken(flavor, { ttl: 3600 })).access_token;
        tokens.set(flavor, token);
      }
      return token;
    },
    run(args, options = {}) {
      figures.cliRuns++;
      return sb.run(args, options);
    },
    async stop() {
      await emu.stop();
      sb.cleanup();
    },
  };
}

/** Every regular file under `dir` (recursively), skipping V8's compile cache. */
export function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    if (name === 'compile-cache') continue;
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    if (info.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/**
 * Problems with the local state after a run: config, secret store and every cache file must
 * parse (a missing file is fine: nothing written yet). Stray temp files are reported apart.
 */
export function stateProblems(sb: Sandbox): string[] {
  const problems: string[] = [];
  const dirs = [sb.env.EUN_CONFIG_DIR!, sb.env.EUN_CACHE_DIR!, sb.env.HOME!];
  for (const file of dirs.flatMap(filesUnder)) {
    if (!file.endsWith('.json') && !file.endsWith('.error')) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // removed meanwhile
    }
    try {
      JSON.parse(text);
    } catch {
      problems.push(`${file.slice(sb.dir.length)} does not parse (${text.length} bytes)`);
    }
  }
  return problems;
}

/** Temp files left beside the state (from an interrupted atomic write). */
export function strayTempFiles(sb: Sandbox): string[] {
  return [sb.env.EUN_CONFIG_DIR!, sb.env.EUN_CACHE_DIR!].flatMap(filesUnder).filter((f) => f.endsWith('.tmp'));
}

const ESC = '\u001b';

/**
 * Problems with the shape of a failed run (CLI.md): the expected exit code, nothing on
 * stdout, one line on stderr plus an optional `hint:` line, no stack trace, no HTML, no raw
 * terminal escapes.
 */
export function errorShapeProblems(r: CliResult, expectedCode: number | number[]): string[] {
  const codes = Array.isArray(expectedCode) ? expectedCode : [expectedCode];
  const problems: string[] = [];
  if (!codes.includes(r.code ?? -1)) problems.push(`exit ${r.code ?? r.signal} (want ${codes.join('|')}): ${firstLine(r.stderr)}`);
  if (r.stdout !== '') problems.push(`${r.stdout.length} bytes on stdout`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const message = lines.filter((l) => !l.startsWith('hint: '));
  if (message.length !== 1) problems.push(`${message.length} message lines on stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  if (lines.length > 2) problems.push(`${lines.length} lines on stderr`);
  if (!/^eun: /.test(lines[0] ?? '')) problems.push(`stderr does not start with "eun: ": ${JSON.stringify(r.stderr.slice(0, 200))}`);
  if (/\n\s+at .+[:(]/.test(r.stderr)) problems.push('a stack trace on stderr');
  if (/<(html|!doctype|body|head|title)\b/i.test(r.stderr)) problems.push('HTML on stderr');
  if (r.stderr.includes(ESC) || r.stdout.includes(ESC)) problems.push('a raw ESC byte in the output');
  return problems;
}

/** The first line of a text (for messages). */
export function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

/** The file store's document (parsed), or `{}`. */
export function storedSecrets(sb: Sandbox): Record<string, Record<string, string>> {
  try {
    return (JSON.parse(readFileSync(join(sb.env.EUN_CONFIG_DIR!, 'secrets.json'), 'utf8')) as { secrets?: Record<string, Record<string, string>> }).secrets ?? {};
  } catch {
    return {};
  }
}

/** Runs `tasks` with at most `limit` at a time; results in order. */
export async function pool<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  });
  await Promise.all(lanes);
  return results;
}

/** A config document (as `eun profile add` writes it). */
export interface ConfigDoc {
  version: number;
  activeProfile?: string;
  profiles: Record<string, Record<string, unknown>>;
}

/** The config file, parsed. */
export function readConfig(sb: Sandbox): ConfigDoc {
  return JSON.parse(readFileSync(join(sb.env.EUN_CONFIG_DIR!, 'config.json'), 'utf8')) as ConfigDoc;
}

/** Replaces the config file. */
export function writeConfig(sb: Sandbox, config: ConfigDoc): void {
  writeFileSync(join(sb.env.EUN_CONFIG_DIR!, 'config.json'), JSON.stringify(config), { mode: 0o600 });
}

/** Replaces the file store's document (to plant a session). */
export function writeSecretsFile(sb: Sandbox, doc: unknown): void {
  mkdirSync(sb.env.EUN_CONFIG_DIR!, { recursive: true, mode: 0o700 });
  writeFileSync(join(sb.env.EUN_CONFIG_DIR!, 'secrets.json'), JSON.stringify(doc), { mode: 0o600 });
}

/** The client secrets profile e of `sb` has stored, by client id. */
export function storedClientSecrets(sb: Sandbox): Map<string, string> {
  const out = new Map<string, string>();
  for (const [service, entries] of Object.entries(storedSecrets(sb))) {
    if (!service.startsWith('eun:e@')) continue;
    for (const [account, value] of Object.entries(entries)) if (account.startsWith('client:')) out.set(account.slice('client:'.length), value);
  }
  return out;
}

/** True when `secret` mints a token for `clientId` (eunifyer) at the emulator; the secret is never printed. */
export async function mints(emu: Emulator, clientId: string, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  return (await clientCredentials(emu, 'eunifyer', { clientId, clientSecret: secret })).status === 200;
}
