/**
 * Area 6, TLS and transport: the emulator behind HTTPS with a private CA (a TLS reverse
 * proxy on loopback): refused by default with one clear line (exit 5), accepted with
 * NODE_EXTRA_CA_CERTS; http:// refused for hosts off loopback; requests through a real HTTP
 * CONNECT proxy (tinyproxy) via HTTPS_PROXY and HTTP_PROXY, and NO_PROXY going around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { type ReverseProxy, type Tinyproxy, startReverseProxy, startTinyproxy } from '../helpers/proxy.js';
import { type TestCertificates, makeTestCertificates } from '../helpers/tls.js';
import { AreaFigures } from './figures.js';
import { type World, errorShapeProblems, firstLine, readConfig, startWorld, stateProblems, writeConfig } from './world.js';

const figures = new AreaFigures('6 tls and transport');
/** A refused handshake is not retried: the run ends well within one attempt's budget. */
const BOUND_MS = 6000;

let world: World;
let certs: TestCertificates;
let tls: ReverseProxy;
let tinyproxy: Tinyproxy;
/** A tinyproxy that allows CONNECT to port 443 only: it refuses ours with a 403. */
let strictProxy: Tinyproxy;
let ci: Record<string, string>;
let userToken = '';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

beforeAll(async () => {
  world = await startWorld(figures, { EUN_HTTP_TIMEOUT: '2s' });
  certs = makeTestCertificates();
  tls = await startReverseProxy(world.emu.base, { key: certs.key, cert: certs.cert });
  tinyproxy = await startTinyproxy();
  strictProxy = await startTinyproxy(['ConnectPort 443']);
  const account = await world.emu.createServiceAccount('eunifyer', { name: 'tls', scopes: ['partner:orgs:read'] });
  // The token endpoint through TLS (EUN_TOKEN_URL: discovery would name the emulator's own http URLs).
  ci = {
    EUN_TOKEN_URL: `${tls.url}/realms/eunify/protocol/openid-connect/token`,
    EUN_CLIENT_ID: account.clientId,
    EUN_CLIENT_SECRET: account.clientSecret,
  };
  userToken = await world.userToken('eunifyer');
  // Profile t: the management API through TLS.
  const config = readConfig(world.sb);
  config.profiles.t = { flavor: 'eunifyer', issuer: world.emu.eunifyer.issuer, api: tls.url };
  writeConfig(world.sb, config);
}, 60_000);
afterAll(async () => {
  await tinyproxy?.stop();
  await strictProxy?.stop();
  await tls?.close();
  certs?.cleanup();
  await world?.stop();
  figures.publish();
});

/** CONNECT and proxied request lines tinyproxy logged since `since` characters. */
function proxied(since: number): string[] {
  return tinyproxy
    .log()
    .slice(since)
    .split('\n')
    .filter((l) => /Request \(file descriptor \d+\): (CONNECT|GET|POST)/.test(l));
}

interface TransportCase {
  name: string;
  args: string[];
  env: () => Record<string, string>;
  /** Expected exit code and a pattern of its one line (errors), or of stdout (success). */
  code: number;
  line: RegExp;
  /** Through tinyproxy: at least one request (true), none (false), or not checked. */
  viaProxy?: boolean;
  /** Reached the TLS front (true), or must not have (false). */
  viaTls?: boolean;
}

describe('tls and transport', () => {
  it('private CA refused by default, accepted with NODE_EXTRA_CA_CERTS; http:// off loopback refused; proxies honoured', async () => {
    const ca = () => ({ NODE_EXTRA_CA_CERTS: certs.caFile });
    const cases: TransportCase[] = [
      { name: 'token get over TLS, private CA not trusted', args: ['token', 'get'], env: () => ci, code: 5, line: /TLS verification failed/ },
      { name: 'token get --json over TLS, private CA not trusted', args: ['token', 'get', '--json'], env: () => ci, code: 5, line: /"code":"tls"/ },
      { name: 'token get over TLS with NODE_EXTRA_CA_CERTS', args: ['token', 'get', '--force-refresh'], env: () => ({ ...ci, ...ca() }), code: 0, line: JWT, viaTls: true },
      { name: 'sa list over TLS, private CA not trusted', args: ['sa', 'list', '--profile', 't'], env: () => ({ EUN_TOKEN: userToken }), code: 5, line: /TLS verification failed/ },
      { name: 'sa list over TLS with NODE_EXTRA_CA_CERTS', args: ['sa', 'list', '--profile', 't'], env: () => ({ EUN_TOKEN: userToken, ...ca() }), code: 0, line: /tls/, viaTls: true },
      {
        name: 'token get: http:// token URL off loopback',
        args: ['token', 'get'],
        env: () => ({ ...ci, EUN_TOKEN_URL: 'http://auth.eun-test.invalid/token' }),
        code: 2,
        line: /http:\/\/ is allowed only for loopback|plain http/,
      },
      {
        name: 'token get: http:// issuer off loopback',
        args: ['token', 'get', '--issuer', 'http://10.0.0.1/realms/x', '--client-id', 'ci_x'],
        env: () => ({ EUN_CLIENT_SECRET: 'sk_x' }),
        code: 2,
        line: /http:\/\/ is allowed only for loopback/,
      },
      {
        name: 'profile add: http:// issuer off loopback',
        args: ['profile', 'add', 'plain', '--flavor', 'eunifyer', '--issuer', 'http://auth.eun-test.invalid/realms/x'],
        env: () => ({}),
        code: 2,
        line: /http:\/\/ is allowed only for loopback/,
      },
      {
        name: 'token get over TLS through tinyproxy (HTTPS_PROXY, CONNECT)',
        args: ['token', 'get', '--force-refresh'],
        env: () => ({ ...ci, ...ca(), HTTPS_PROXY: tinyproxy.url }),
        code: 0,
        line: JWT,
        viaProxy: true,
        viaTls: true,
      },
      {
        name: 'sa list over TLS through tinyproxy (https_proxy)',
        args: ['sa', 'list', '--profile', 't'],
        env: () => ({ EUN_TOKEN: userToken, ...ca(), https_proxy: tinyproxy.url }),
        code: 0,
        line: /tls/,
        viaProxy: true,
        viaTls: true,
      },
      {
        name: 'token get over TLS, NO_PROXY=localhost goes around tinyproxy',
        args: ['token', 'get', '--force-refresh'],
        env: () => ({ ...ci, ...ca(), HTTPS_PROXY: tinyproxy.url, NO_PROXY: 'localhost' }),
        code: 0,
        line: JWT,
        viaProxy: false,
        viaTls: true,
      },
      {
        name: 'token get (discovery + mint over http) through tinyproxy (HTTP_PROXY)',
        args: ['token', 'get', '--force-refresh'],
        env: () => ({ EUN_ISSUER: world.emu.eunifyer.issuer, EUN_CLIENT_ID: ci.EUN_CLIENT_ID!, EUN_CLIENT_SECRET: ci.EUN_CLIENT_SECRET!, HTTP_PROXY: tinyproxy.url }),
        code: 0,
        line: JWT,
        viaProxy: true,
      },
      {
        name: 'token get with NO_PROXY=127.0.0.1 goes around HTTP_PROXY',
        args: ['token', 'get', '--force-refresh'],
        env: () => ({ EUN_ISSUER: world.emu.eunifyer.issuer, EUN_CLIENT_ID: ci.EUN_CLIENT_ID!, EUN_CLIENT_SECRET: ci.EUN_CLIENT_SECRET!, HTTP_PROXY: tinyproxy.url, NO_PROXY: '127.0.0.1' }),
        code: 0,
        line: JWT,
        viaProxy: false,
      },
      {
        name: 'token get through a proxy that refuses the CONNECT (403)',
        args: ['token', 'get', '--force-refresh'],
        env: () => ({ ...ci, ...ca(), HTTPS_PROXY: strictProxy.url }),
        code: 5,
        line: /the proxy refused the connection \(HTTP 403\)/,
        viaTls: false,
      },
      {
        name: 'token get through a proxy that is down',
        args: ['token', 'get', '--force-refresh'],
        env: () => ({ ...ci, ...ca(), HTTPS_PROXY: 'http://127.0.0.1:1' }),
        code: 5,
        line: /proxy|connection refused/,
        viaTls: false,
      },
    ];
    const problems: string[] = [];
    for (const c of cases) {
      problems.push(
        ...(await figures.run(c.name, async (check) => {
          const logSince = tinyproxy.log().length;
          const tlsBefore = tls.requests.length;
          figures.cliRuns++;
          const r: CliResult = await world.run(c.args, { env: c.env(), timeoutMs: 20_000 });
          const viaTls = tls.requests.length - tlsBefore;
          const viaProxy = proxied(logSince).length;
          figures.requests += viaTls + viaProxy;
          check.bound(r.ms, BOUND_MS);
          if (c.code === 0) {
            check.ok(r.code === 0, `exit ${r.code}: ${firstLine(r.stderr)}`);
            check.ok(c.line.test(r.stdout.trim()), `unexpected stdout: ${firstLine(r.stdout).slice(0, 60)}`);
          } else if (c.args.includes('--json')) {
            check.ok(r.code === c.code, `exit ${r.code}`);
            check.ok(c.line.test(r.stdout), `--json error: ${firstLine(r.stdout)}`);
          } else {
            for (const p of errorShapeProblems(r, c.code)) check.ok(false, p);
            check.ok(c.line.test(r.stderr), `the message does not say why: ${firstLine(r.stderr)}`);
          }
          if (c.code === 5 && /TLS/.test(c.line.source)) {
            check.ok(/NODE_EXTRA_CA_CERTS/.test(r.stderr), 'no hint about NODE_EXTRA_CA_CERTS');
            check.ok(!/attempts/.test(r.stderr), 'a refused certificate was retried');
          }
          if (c.viaProxy === true) check.ok(viaProxy > 0, 'tinyproxy saw no request');
          if (c.viaProxy === false) check.ok(viaProxy === 0, `tinyproxy saw ${viaProxy} requests despite NO_PROXY`);
          if (c.viaTls === true) check.ok(viaTls > 0, 'the TLS front saw no request');
          if (c.viaTls === false) check.ok(viaTls === 0, `the TLS front saw ${viaTls} requests`);
        })),
      );
    }
    for (const p of stateProblems(world.sb)) problems.push(`state: ${p}`);
    figures.extra['handshakes refused by the CLI'] = tls.tlsFailures;
    figures.extra['tinyproxy log lines'] = tinyproxy.log().split('\n').filter(Boolean).length;
    expect(problems).toEqual([]);
    // The refusals were real handshakes the client broke off, not requests that never left.
    expect(tls.tlsFailures).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
