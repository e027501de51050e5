import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/cli.js';

/**
 * A management API that answers in the "obvious variants" API.md says to tolerate: bare
 * arrays instead of {data}, numeric ids, snake_case keys, epoch times, a `scope` string, and
 * server error text with terminal escapes in it. A real server on loopback, no mocking.
 */
let server: Server;
let base: string;
let sb: Sandbox;

const principals = [
  { id: 7, client_id: 'ci_seven', name: 'seven', scope: 'a:read b:write', enabled: true, created_at: 1_700_000_000 },
  { id: 8, client_id: 'ci_eight', name: 'eight', status: 'revoked', scopes: ['a:read'], created_at: '2025-01-15T10:30:00+01:00' },
];

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/developer/service-principals') return send(200, principals);
    if (url.pathname === '/api/v1/developer/service-principals/7') return send(200, { data: principals[0] });
    return send(404, { error: 'not_found', message: 'Service principal not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sb = new Sandbox({ EUN_TOKEN: 'user-token' });
  const added = await sb.run(['profile', 'add', 'odd', '--flavor', 'eunifyer', '--issuer', `${base}/realms/eunify`, '--api', base, '--use']);
  expect(added.code, added.stderr).toBe(0);
});
afterAll(async () => {
  sb?.cleanup();
  await new Promise((resolve) => server.close(resolve));
});

describe('payload variants', () => {
  it('reads bare arrays, numeric ids, snake_case keys and epoch times into one shape', async () => {
    const r = await sb.run(['sa', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { id: '7', clientId: 'ci_seven', name: 'seven', status: 'active', scopes: ['a:read', 'b:write'], createdAt: '2023-11-14T22:13:20.000Z' },
      { id: '8', clientId: 'ci_eight', name: 'eight', status: 'revoked', scopes: ['a:read'], createdAt: '2025-01-15T09:30:00.000Z' },
    ]);
  });

  it('finds by numeric id through GET, and by client id or name through the list', async () => {
    for (const ref of ['7', 'ci_seven', 'seven']) {
      const r = await sb.run(['sa', 'get', ref, '--json']);
      expect(r.code, `${ref}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).id).toBe('7');
    }
    const eight = await sb.run(['sa', 'get', 'eight', '--json']);
    expect(JSON.parse(eight.stdout).clientId).toBe('ci_eight');
  });

  it('passes the server\'s reason for a 400 on as exit 2, without its escape sequences', async () => {
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      const bad = req.url?.endsWith('/rotate');
      res.writeHead(bad ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(bad ? { message: 'no \u001b[31mway\u001b[0m' } : { id: 9, clientId: 'ci_nine', name: 'nine' }));
    });
    const r = await sb.run(['sa', 'rotate', '9', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTP 400: no \\x1b\[31mway/);
    expect(r.stderr).not.toContain('\u001b');
  });
});
