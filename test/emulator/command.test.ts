import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

describe('eun emulator start', () => {
  it('prints one line per URL, keeps the console free of oidc-provider notices, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, 'emulator', 'start', '--port', '0'], {
      env: { ...process.env, NODE_ENV: '', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('centrali issuer') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^eunifyer issuer: http:\/\/127\.0\.0\.1:\d+\/realms\/eunify$/);
    expect(lines[1]).toMatch(/^eunifyer API: +http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[2]).toMatch(/^centrali issuer: http:\/\/127\.0\.0\.1:\d+\/centrali$/);
    // Exercise the paths that make oidc-provider print notices when misconfigured.
    const issuer = lines[0]!.split(': ')[1]!;
    await fetch(`${issuer}/.well-known/openid-configuration`);
    await fetch(`${issuer}/protocol/openid-connect/auth/device`, { method: 'POST', body: new URLSearchParams({ client_id: 'eun-cli' }) });
    await fetch(`${issuer}/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }) });
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/oidc-provider|NOTICE|WARNING/);
    expect(stderr).toMatch(/demo \/ demo/);
  });

  it('--json prints one JSON line with the URLs, and SIGTERM stops it', async () => {
    const emu = await startEmulator();
    expect(emu.eunifyer.issuer).toBe(`${emu.base}/realms/eunify`);
    expect(emu.eunifyer.api).toBe(emu.base);
    expect(emu.centrali.issuer).toBe(`${emu.base}/centrali`);
    await emu.stop();
    expect(emu.process.exitCode).toBe(0);
    expect(emu.stderr()).not.toMatch(/oidc-provider/);
  });

  it('a port in use is a usage error (exit 2) naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(['emulator', 'start', '--port', String(port)]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`port ${port}`);
    } finally {
      blocker.close();
    }
  });

  it('a malformed EUN_EMULATOR_FAULTS is a usage error', async () => {
    const res = await runCli(['emulator', 'start', '--port', '0'], { env: { EUN_EMULATOR_FAULTS: '[{"path":"/x","mode":"boom"}]' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/EUN_EMULATOR_FAULTS: mode must be one of/);
  });
});

describe('emulator isolation', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name));

  it('imports nothing from the CLI (core/, cli/, ui/), so passing tests prove the documented contract', () => {
    const offenders = sources(join(ROOT, 'src', 'emulator')).filter((file) =>
      /from '\.\.\/(core|cli|ui|commands)\//.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('is loaded only by `eun emulator start`, through a dynamic import', () => {
    const importers = sources(join(ROOT, 'src'))
      .filter((file) => !file.includes(`${join('src', 'emulator')}`))
      .filter((file) => /emulator\/[\w-]+\.js'/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(importers).toEqual([join('src', 'commands', 'emulator', 'start.ts')]);
    const start = readFileSync(join(ROOT, 'src', 'commands', 'emulator', 'start.ts'), 'utf8');
    expect(start).not.toMatch(/^import .*emulator\//m);
  });
});
