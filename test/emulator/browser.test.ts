import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { jsonRequest, startEmulator, type Emulator } from '../helpers/emulator.js';

const CHROMIUM = '/usr/bin/chromium';
const ci = Boolean(process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !ci) process.stderr.write(`skipping the browser test: ${CHROMIUM} is missing (apt install chromium)\n`);

const ARTIFACTS = join(ROOT, 'test-artifacts');
let emu: Emulator;
let profile: string;

beforeAll(async () => {
  emu = await startEmulator();
  profile = mkdtempSync(join(tmpdir(), 'eun-chromium-'));
});

afterAll(async () => {
  await emu?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!haveChromium && !ci)('device approval page in a real browser', () => {
  it('signs in as demo, approves, and the device-flow poll then gets tokens', async () => {
    const { chromium } = await import('playwright-core');
    const discovery = await jsonRequest<{ device_authorization_endpoint: string; token_endpoint: string }>(
      `${emu.eunifyer.issuer}/.well-known/openid-configuration`,
    );
    const device = await jsonRequest<{ device_code: string; user_code: string; verification_uri: string }>(
      discovery.body.device_authorization_endpoint,
      { form: { client_id: 'eun-cli', scope: 'openid offline_access admin:access' } },
    );
    const poll = () =>
      jsonRequest(discovery.body.token_endpoint, {
        form: { client_id: 'eun-cli', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.body.device_code },
      });
    expect((await poll()).body.error).toBe('authorization_pending');

    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      // The verification URI as a user types it: no code in the URL.
      await page.goto(device.body.verification_uri);
      await page.fill('#user_code', device.body.user_code);
      await page.fill('#username', 'demo');
      await page.fill('#password', 'demo');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'device-approval-form.png') });
      await page.click('button.approve');
      await page.waitForSelector('#result');
      expect(await page.textContent('h1')).toBe('Device approved');
      await page.screenshot({ path: join(ARTIFACTS, 'device-approved.png') });
    } finally {
      await context.close();
    }
    expect(statSync(join(ARTIFACTS, 'device-approved.png')).size).toBeGreaterThan(1000);

    const tokens = await poll();
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.access_token).toBe('string');
    expect(typeof tokens.body.refresh_token).toBe('string');
  });
});
