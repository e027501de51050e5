/** Shared bits of the token tests: a service account on the emulator and the env that selects it. */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../../src/core/deps.js';
import { readRefreshState } from '../../src/core/tokens/refresh-state.js';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { BIN, Sandbox } from '../helpers/cli.js';
import { type Emulator, type Flavor, type TestServiceAccount, startEmulator } from '../helpers/emulator.js';

let counter = 0;

/** A new service account (its own client id, so token counts are per test) and the CI env for it. */
export async function ciAccount(
  emu: Emulator,
  flavor: Flavor = 'eunifyer',
  scopes: string[] = ['partner:orgs:read'],
): Promise<{ sa: TestServiceAccount; env: Record<string, string> }> {
  const sa = await emu.createServiceAccount(flavor, { name: `tok-${process.pid}-${++counter}`, scopes });
  const issuer = flavor === 'eunifyer' ? emu.eunifyer.issuer : emu.centrali.issuer;
  return { sa, env: { EUN_ISSUER: issuer, EUN_CLIENT_ID: sa.clientId, EUN_CLIENT_SECRET: sa.clientSecret } };
}

/** Token requests the emulator saw from one client. */
export async function requestsOf(emu: Emulator, clientId: string): Promise<number> {
  return (await emu.stats()).tokenRequests.byClient[clientId] ?? 0;
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** The cached token files (not locks, not discovery) under a cache dir. */
export function tokenFiles(cacheDir: string): string[] {
  return filesUnder(join(cacheDir, 'tokens')).filter((f) => f.endsWith('.json'));
}

/** A directory under `root` with an `eun` on it, for shell scripts and commands that call eun again. */
export function eunOnPath(root: string): string {
  const dir = join(root, 'bin');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'eun'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(dir, 'eun'), 0o755);
  return dir;
}

/** Waits until no background refresh is claimed or running under a cache dir (no lock, no running `.refresh`). */
export async function refreshSettled(cacheDir: string, ms = 15_000): Promise<void> {
  const dir = join(cacheDir, 'tokens');
  const deadline = Date.now() + ms;
  for (;;) {
    let busy = false;
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.lock')) busy = true;
      if (name.endsWith('.refresh')) busy ||= readRefreshState(join(dir, name.replace(/\.refresh$/, '.json')))?.state === 'running';
    }
    if (!busy) return;
    if (Date.now() > deadline) throw new Error('the background refresh did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls `check` until it holds (or throws after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True when `secret` appears in any file under `dir` (asserted as a boolean, so a failure never prints it). */
export function anyFileContains(dir: string, secret: string): boolean {
  return filesUnder(dir).some((f) => readFileSync(f).includes(secret));
}

/** A JWT's shape: three base64url parts. */
export const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Deps for calling core/ directly in a test. */
export function testDeps(env: Record<string, string | undefined>, debug: string[] = []): Deps {
  const sink = { write: () => {}, isTTY: false };
  return {
    env,
    now: () => Date.now(),
    stdout: sink,
    stderr: sink,
    stdinIsTTY: false,
    platform: process.platform,
    homedir: env.HOME ?? '/nonexistent',
    debug: (m) => void debug.push(m),
  };
}

/** Per file: one emulator; per test: a fresh sandbox, and no fault left behind. */
export function withEmulator(): { readonly emu: Emulator; readonly sb: Sandbox } {
  let emu: Emulator | undefined;
  let sb: Sandbox | undefined;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => emu?.stop());
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(async () => {
    await emu?.clearFaults();
    sb?.cleanup();
  });
  return {
    get emu() {
      return emu as Emulator;
    },
    get sb() {
      return sb as Sandbox;
    },
  };
}
