/** Shared steps of the session tests: a sandbox with an emulator profile, a browser stand-in, the stored session. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type CliOptions, type RunningCli, Sandbox, startCli } from '../helpers/cli.js';
import type { Emulator } from '../helpers/emulator.js';

/** A JWT: three base64url parts. */
export const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A sandbox with profile `local` (eunifyer) and `ce` (centrali) on the emulator, `local` active, no browser. */
export function sessionSandbox(emu: Emulator, env: Record<string, string> = {}): Sandbox {
  const sb = new Sandbox({ BROWSER: 'none', ...env });
  // Written directly (as `eun profile add` would) to spare two CLI runs per test.
  const config = {
    version: 1,
    activeProfile: 'local',
    profiles: {
      local: { flavor: 'eunifyer', issuer: emu.eunifyer.issuer, api: emu.base },
      ce: { flavor: 'centrali', issuer: emu.centrali.issuer, workspace: 'acme-corp' },
    },
  };
  mkdirSync(sb.env.EUN_CONFIG_DIR!, { recursive: true, mode: 0o700 });
  writeFileSync(join(sb.env.EUN_CONFIG_DIR!, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return sb;
}

/** What the file store holds for a profile's session (parsed), or undefined. Never print it. */
export function storedSession(sb: Sandbox, emu: Emulator, profile = 'local'): Record<string, unknown> | undefined {
  let file: { secrets?: Record<string, Record<string, string>> };
  try {
    file = JSON.parse(readFileSync(join(sb.env.EUN_CONFIG_DIR!, 'secrets.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const host = new URL(emu.base).host;
  const text = file.secrets?.[`eun:${profile}@${host}`]?.session;
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

/** Starts `eun ARGS…` in the sandbox and waits until its stderr matches `pattern`. */
export async function startUntil(sb: Sandbox, args: string[], pattern: RegExp, options: CliOptions = {}): Promise<RunningCli & { match: RegExpMatchArray }> {
  const running = startCli(args, { ...options, env: { ...sb.env, ...options.env } });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const match = running.stderr().match(pattern);
    if (match) return { ...running, match };
    if (running.child.exitCode !== null || Date.now() > deadline) {
      const r = await Promise.race([running.result, new Promise((resolve) => setTimeout(resolve, 100))]);
      throw new Error(`eun ${args.join(' ')} never printed ${pattern}: ${running.stderr()} ${JSON.stringify(r)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The hidden `form_token` of an emulator page. */
function formToken(html: string): string {
  const token = /name="form_token" value="([0-9a-f]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no form_token on the page');
  return token;
}

/** Acts as the user's browser on the device page: open the URL, sign in as demo, press Approve (or Deny). */
export async function approveDevice(url: string, action: 'approve' | 'deny' = 'approve'): Promise<string> {
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const userCode = /id="user_code"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? '';
  const form = new URLSearchParams({ form_token: formToken(html), user_code: userCode, username: 'demo', password: 'demo', action });
  const res = await fetch(new URL(url).origin + new URL(url).pathname, { method: 'POST', body: form });
  return res.text();
}

/**
 * Acts as the browser for `eun login --web`: follows the authorization URL through the
 * emulator's sign-in page (cookies kept, redirects by hand) to the loopback redirect.
 */
export async function browserLogin(url: string, options: { deny?: boolean } = {}): Promise<{ status: number; body: string; location: string }> {
  const cookies = new Map<string, string>();
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
    }
  };
  let next = url;
  let init: RequestInit = {};
  for (let hop = 0; hop < 15; hop++) {
    const res = await fetch(next, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() } });
    remember(res);
    const location = res.headers.get('location');
    if (new URL(next).pathname === '/callback') return { status: res.status, body: await res.text(), location: next };
    if (location) {
      next = new URL(location, next).toString();
      init = {};
      continue;
    }
    const html = await res.text();
    if (res.status !== 200 || !html.includes('form_token')) throw new Error(`unexpected page at ${new URL(next).pathname}: HTTP ${res.status}`);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const form = new URLSearchParams({ form_token: formToken(html), username: 'demo', password: 'demo', action: options.deny ? 'deny' : 'approve' });
    next = new URL(action!.replace(/&amp;/g, '&'), next).toString();
    init = { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many redirects');
}

/** Asserts that no output carries a token (JWTs, the emulator's opaque tokens, or `secret`). */
export function expectNoToken(text: string, ...secrets: Array<string | undefined>): void {
  expect(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(text), 'a JWT appears in the output').toBe(false);
  for (const secret of secrets) if (secret) expect(text.includes(secret), 'a token appears in the output').toBe(false);
}
