import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { clientCredentials, jsonRequest, startEmulator, type Emulator } from '../helpers/emulator.js';

const root = mkdtempSync(join(tmpdir(), 'eun-emulator-'));
const dataDir = join(root, 'data');
const running: Emulator[] = [];

afterAll(async () => {
  await Promise.all(running.map((e) => e.stop()));
  rmSync(root, { recursive: true, force: true });
});

async function kids(emu: Emulator): Promise<string[]> {
  const res = await jsonRequest<{ keys: Array<{ kid: string }> }>(`${emu.eunifyer.issuer}/protocol/openid-connect/certs`);
  return res.body.keys.map((k) => k.kid);
}

describe('--data-dir', () => {
  it('keeps signing keys and accounts across a restart, with secrets stored hashed in private files', async () => {
    const first = await startEmulator({ dataDir });
    running.push(first);
    const eun = await first.createServiceAccount('eunifyer', { name: 'persistent-sp', scopes: ['partner:orgs:read'] });
    const cen = await first.createServiceAccount('centrali', { name: 'persistent-sa' });
    const admin = (await first.userToken('eunifyer')).access_token;
    const pat = await jsonRequest(`${first.base}/api/v1/developer/service-principals/${eun.id}/tokens`, {
      token: admin,
      body: { name: 'pat', scopes: ['partner:orgs:read'] },
    });
    const before = String((await clientCredentials(first, 'eunifyer', eun)).body.access_token);
    const kidsBefore = await kids(first);
    await first.stop();

    // Private files only, and no plaintext credential anywhere under the data dir.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dataDir);
    expect(files.sort()).toEqual(['accounts.json', 'keys.json']);
    const secrets = [eun.clientSecret, cen.clientSecret, String(pat.body.token)];
    for (const file of files) {
      expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
      const text = readFileSync(join(dataDir, file), 'utf8');
      const leaked = secrets.filter((s) => text.includes(s) || text.includes(s.slice(3)));
      expect(leaked.length, `plaintext secret in ${file}`).toBe(0);
    }

    const second = await startEmulator({ dataDir });
    running.push(second);
    expect(await kids(second)).toEqual(kidsBefore);
    expect((await clientCredentials(second, 'eunifyer', eun)).status).toBe(200);
    expect((await clientCredentials(second, 'centrali', cen)).status).toBe(200);
    // A token from before the restart still verifies against the new JWKS (the port, hence the issuer, changed).
    const jwks = createRemoteJWKSet(new URL(`${second.eunifyer.issuer}/protocol/openid-connect/certs`));
    expect((await jwtVerify(before, jwks)).payload.sub).toBe(eun.clientId);
    expect((await jsonRequest(`${second.base}/api/v1/partner/orgs`, { token: String(pat.body.token) })).status).toBe(200);
    const list = await jsonRequest<{ data: Array<{ clientId: string }> }>(
      `${second.base}/centrali/workspace/acme-corp/api/v1/service-accounts`,
      { token: (await second.userToken('centrali')).access_token },
    );
    expect(list.body.data.map((a) => a.clientId)).toContain(cen.clientId);
    // Ids keep counting after a restart.
    const next = await second.createServiceAccount('centrali', { name: 'after-restart' });
    expect(Number(next.id)).toBeGreaterThan(Number(cen.id));
  });

  it('without it, a restart forgets everything and makes a new key', async () => {
    const a = await startEmulator();
    running.push(a);
    const sp = await a.createServiceAccount('eunifyer', { name: 'ephemeral' });
    const kidA = await kids(a);
    await a.stop();
    const b = await startEmulator();
    running.push(b);
    expect(await kids(b)).not.toEqual(kidA);
    expect((await clientCredentials(b, 'eunifyer', sp)).body.error).toBe('invalid_client');
  });
});
