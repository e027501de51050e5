/**
 * Shared set-up of the service-account tests: one emulator, a sandbox with a profile per
 * flavor, user tokens through EUN_TOKEN (the CI path), and ways to look at the server
 * directly so that a test can prove what changed there and what did not.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type CliOptions, type CliResult, Sandbox } from '../helpers/cli.js';
import { type Emulator, type Flavor, jsonRequest, startEmulator } from '../helpers/emulator.js';

export const FLAVORS: Flavor[] = ['eunifyer', 'centrali'];

/** A sandbox with profiles `eunifyer` and `centrali` pointing at `emu`. */
export async function flavorSandbox(emu: Emulator, env: Record<string, string> = {}): Promise<Sandbox> {
  const sb = new Sandbox(env);
  const a = await sb.run(['profile', 'add', 'eunifyer', '--flavor', 'eunifyer', '--issuer', emu.eunifyer.issuer, '--api', emu.eunifyer.api]);
  const b = await sb.run(['profile', 'add', 'centrali', '--flavor', 'centrali', '--issuer', emu.centrali.issuer, '--workspace', 'acme-corp']);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  return sb;
}

/** User tokens per flavor, minted once per file. */
export class UserTokens {
  private readonly tokens = new Map<Flavor, string>();
  constructor(private readonly emu: Emulator) {}
  async get(flavor: Flavor): Promise<string> {
    let token = this.tokens.get(flavor);
    if (!token) {
      token = (await this.emu.userToken(flavor)).access_token;
      this.tokens.set(flavor, token);
    }
    return token;
  }
}

/** Runs `eun ARGS… --profile FLAVOR` with the flavor's user token in EUN_TOKEN. */
export async function sa(sb: Sandbox, tokens: UserTokens, flavor: Flavor, args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env = { EUN_TOKEN: await tokens.get(flavor), ...options.env };
  return sb.run([...args, '--profile', flavor], { ...options, env });
}

/** The management collection URL of a flavor. */
export function collectionUrl(emu: Emulator, flavor: Flavor): string {
  return flavor === 'eunifyer'
    ? `${emu.base}/api/v1/developer/service-principals`
    : `${emu.base}/centrali/workspace/acme-corp/api/v1/service-accounts`;
}

/** Every account on the server, straight from the management API (not through eun). */
export async function serverAccounts(emu: Emulator, tokens: UserTokens, flavor: Flavor): Promise<Array<Record<string, unknown>>> {
  const res = await jsonRequest<{ data: Array<Record<string, unknown>> }>(`${collectionUrl(emu, flavor)}?limit=100`, { token: await tokens.get(flavor) });
  expect(res.status).toBe(200);
  return res.body.data;
}

/** The resource endpoint of a flavor. */
export function resourceUrl(emu: Emulator, flavor: Flavor): string {
  return flavor === 'eunifyer' ? `${emu.base}/api/v1/partner/orgs` : `${emu.base}/centrali/workspace/acme-corp/api/v1/structures`;
}

/** Parses `key: value` lines (the non-TTY output of create and rotate). */
export function keyValues(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 2);
  }
  return out;
}

/** Client secrets as the emulator makes them (`sk_` + 64 hex); checked by shape, never printed. */
export const SECRET_SHAPE = /^sk_[0-9a-f]{64}$/;

/** Asserts that `secret` is nowhere in `text`, without printing either on failure. */
export function expectAbsent(text: string, secret: string, where: string): void {
  expect(text.includes(secret), `a secret leaked into ${where}`).toBe(false);
}

/** The file store's document, as text (to prove a secret is or is not kept). */
export function secretsFileText(sb: Sandbox): string {
  try {
    return readFileSync(join(sb.env.EUN_CONFIG_DIR as string, 'secrets.json'), 'utf8');
  } catch {
    return '';
  }
}

/** The config file, parsed. */
export function configJson(sb: Sandbox): { profiles: Record<string, { defaultAccount?: { clientId: string; id?: string; name?: string } }> } {
  return JSON.parse(readFileSync(join(sb.env.EUN_CONFIG_DIR as string, 'config.json'), 'utf8'));
}

/** What a test file of this folder works against. */
export interface FlavorWorld {
  emu: Emulator;
  tokens: UserTokens;
  sb: Sandbox;
}

/**
 * One emulator, its user tokens and a sandbox with a profile per flavor, started before the
 * file's tests and stopped after them. Read the fields inside tests, not at load time.
 */
export function useFlavorWorld(): FlavorWorld {
  const world = {} as FlavorWorld;
  beforeAll(async () => {
    world.emu = await startEmulator();
    world.tokens = new UserTokens(world.emu);
    world.sb = await flavorSandbox(world.emu);
  });
  afterAll(async () => {
    world.sb?.cleanup();
    await world.emu?.stop();
  });
  return world;
}
