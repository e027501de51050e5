import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type Sandbox } from '../helpers/cli.js';
import { type Emulator, startEmulator } from '../helpers/emulator.js';
import { UserTokens, flavorSandbox, secretsFileText, serverAccounts } from './setup.js';

/**
 * The interactive paths in a real terminal: tmux gives eun a TTY on stdin, stdout and stderr.
 * Each run has its own tmux server (`-L`), and the environment reaches eun through a wrapper
 * script (`env -i`), never through the tmux server's own.
 */
let emu: Emulator;
let tokens: UserTokens;
let sb: Sandbox;
const sockets: string[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  tokens = new UserTokens(emu);
  sb = await flavorSandbox(emu);
});
afterAll(async () => {
  for (const socket of sockets) {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  sb?.cleanup();
  await emu?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
/** Pane text with secrets masked, so that a failure message never shows one. */
const masked = (text: string) => text.replace(/sk_[0-9a-f]+/g, 'sk_<masked>');

/** eun in a fresh tmux terminal; returns helpers to read the screen and type. */
async function terminal(args: string[], env: Record<string, string>) {
  const socket = `eun-test-${randomBytes(4).toString('hex')}`;
  sockets.push(socket);
  const script = join(sb.dir, `${socket}.sh`);
  const vars = { ...sb.env, ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', LANG: 'C.UTF-8' };
  const assignments = Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  writeFileSync(
    script,
    `env -i ${assignments} ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(' ')}\necho "EXIT:$?"\nsleep 60\n`,
    { mode: 0o700 },
  );
  execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-x', '120', '-y', '40', `sh ${shellQuote(script)}`]);
  const screen = (escapes = false) =>
    execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-J', '-S', '-100', ...(escapes ? ['-e'] : [])], { encoding: 'utf8' });
  return {
    screen,
    keys: (...keys: string[]) => execFileSync('tmux', ['-L', socket, 'send-keys', ...keys]),
    async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${masked(text)}`);
        await sleep(50);
      }
    },
  };
}

describe('eun sa in a terminal', () => {
  it('asks for name, description and scopes (a checkbox list), then shows the secret once with a warning', async () => {
    const token = await tokens.get('eunifyer');
    const t = await terminal(['sa', 'create', '--profile', 'eunifyer'], { EUN_TOKEN: token });
    await t.waitFor(/Name of the service account/);
    t.keys('-l', 'tty-bot');
    t.keys('Enter');
    await t.waitFor(/Description/);
    t.keys('-l', 'made in a terminal');
    t.keys('Enter');
    const list = await t.waitFor(/Scopes/);
    // The first choices are admin:access, then partner:orgs:read: take the second.
    expect(list).toMatch(/partner:orgs:read/);
    t.keys('Down');
    t.keys('Space');
    t.keys('Enter');
    const done = await t.waitFor(/EXIT:\d+/);
    expect(done).toContain('EXIT:0');
    expect(done).toMatch(/shown once/);
    expect(done).toMatch(/clientSecret\s+sk_[0-9a-f]{64}/);

    const created = (await serverAccounts(emu, tokens, 'eunifyer')).find((a) => a.name === 'tty-bot');
    expect(created).toMatchObject({ description: 'made in a terminal', scopes: ['partner:orgs:read'] });
    expect(secretsFileText(sb).includes(created?.clientId as string)).toBe(true);
  });

  it('confirms a deletion: "no" changes nothing (exit 130), "yes" deletes', async () => {
    const token = await tokens.get('centrali');
    const made = await emu.createServiceAccount('centrali', { name: 'tty-doomed' });
    const declined = await terminal(['sa', 'delete', 'tty-doomed', '--profile', 'centrali'], { EUN_TOKEN: token });
    await declined.waitFor(/Delete tty-doomed/);
    declined.keys('-l', 'n');
    declined.keys('Enter');
    expect(await declined.waitFor(/EXIT:\d+/)).toContain('EXIT:130');
    expect((await serverAccounts(emu, tokens, 'centrali')).some((a) => a.clientId === made.clientId)).toBe(true);

    const accepted = await terminal(['sa', 'delete', 'tty-doomed', '--profile', 'centrali'], { EUN_TOKEN: token });
    await accepted.waitFor(/Delete tty-doomed/);
    accepted.keys('-l', 'y');
    accepted.keys('Enter');
    expect(await accepted.waitFor(/EXIT:\d+/)).toContain('EXIT:0');
    expect((await serverAccounts(emu, tokens, 'centrali')).some((a) => a.clientId === made.clientId)).toBe(false);
  });

  it('reads an imported secret through a masked prompt, and never prompts with --json', async () => {
    const made = await emu.createServiceAccount('eunifyer', { name: 'tty-import' });
    const t = await terminal(['sa', 'import', made.clientId, '--profile', 'eunifyer'], {});
    await t.waitFor(/Client secret of/);
    t.keys('-l', made.clientSecret);
    await t.waitFor(/\*{20,}/);
    t.keys('Enter');
    const done = await t.waitFor(/EXIT:\d+/);
    expect(done).toContain('EXIT:0');
    expect(done).toMatch(/the issuer accepted it/);
    expect(done.includes(made.clientSecret), 'the secret was echoed').toBe(false);

    const json = await terminal(['sa', 'create', '--profile', 'eunifyer', '--json'], { EUN_TOKEN: await tokens.get('eunifyer') });
    const refused = await json.waitFor(/EXIT:\d+/);
    expect(refused).toContain('EXIT:2');
    expect(refused).toMatch(/missing --name/);
  });

  it('colours the status column on a terminal unless NO_COLOR is set', async () => {
    await emu.createServiceAccount('centrali', { name: 'tty-colour' });
    const env = { EUN_TOKEN: await tokens.get('centrali') };
    const coloured = await terminal(['sa', 'list', '--profile', 'centrali'], { ...env, NO_COLOR: '' });
    await coloured.waitFor(/EXIT:0/);
    expect(coloured.screen(true)).toMatch(/\u001b\[32mactive/);
    expect(coloured.screen()).toMatch(/│ ID\s+│ NAME\s+│ CLIENT ID\s+│ STATUS\s+│ CREATED/);
    const plain = await terminal(['sa', 'list', '--profile', 'centrali'], { ...env, NO_COLOR: '1' });
    await plain.waitFor(/EXIT:0/);
    expect(plain.screen(true)).not.toMatch(/\u001b\[32m/);
    expect(plain.screen()).toMatch(/tty-colour/);
  });
});
