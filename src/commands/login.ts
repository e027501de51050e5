import { Flags } from '@oclif/core';
import { EunCommand } from '../cli/base-command.js';
import { resolveProfile } from '../cli/profile-context.js';
import { readStdin } from '../cli/stdin.js';
import { createHttpClient } from '../core/http/client.js';
import type { DeviceAuthorization } from '../core/oauth/device.js';
import { loginWithBrowser, loginWithDevice, loginWithToken } from '../core/session/login.js';
import { type SessionView, describeUser } from '../core/session/view.js';
import { openBrowser, shouldOpenBrowser } from '../ui/browser.js';
import { colors } from '../ui/colors.js';
import { type Spinner, startSpinner } from '../ui/spinner.js';

export default class Login extends EunCommand {
  static override summary = 'Start a user session for the active profile.';
  static override description =
    'By default uses the OAuth device flow: prints a one-time code and a URL on stderr, opens the browser where there is one, and waits for the approval. --web logs in with a browser on this machine instead (authorization code + PKCE on a loopback redirect). --with-token stores a user token or personal access token read from standard input. The session (refresh token included) is kept in the OS keychain, or the 0600 file store where there is none, and refreshed automatically.';
  static override examples = [
    '<%= config.bin %> login',
    '<%= config.bin %> login --web',
    '<%= config.bin %> login --no-browser --profile staging',
    '<%= config.bin %> login --with-token < pat.txt',
  ];
  static override flags = {
    'with-token': Flags.boolean({ description: 'Read a user token or personal access token from standard input.', exclusive: ['web'] }),
    web: Flags.boolean({ description: 'Log in with a browser on this machine (authorization code + PKCE, loopback redirect).' }),
    browser: Flags.boolean({
      description: 'Open the browser (default: only on a terminal with a display, outside CI). --no-browser never opens one.',
      allowNo: true,
    }),
  };

  async run(): Promise<SessionView> {
    const { flags } = await this.parse(Login);
    const deps = this.deps;
    const resolved = await resolveProfile(deps, flags.profile);
    if (flags['with-token']) {
      const input = process.stdin.isTTY
        ? await this.ask('token on standard input', async () => (await import('../ui/prompts.js')).promptSecret('Paste the token'))
        : await readStdin();
      return this.done(await loginWithToken(deps, resolved, input));
    }
    const open = shouldOpenBrowser({ flag: flags.browser, env: deps.env, isTTY: deps.stderr.isTTY, platform: deps.platform });
    const c = colors(deps.stderr.isTTY, deps.env);
    const http = createHttpClient(deps);
    const controller = new AbortController();
    let spinner: Spinner | undefined;
    let forceExit: NodeJS.Timeout | undefined;
    const onSigint = () => {
      spinner?.stop();
      controller.abort();
      // A request in flight keeps the process alive: do not wait for it.
      forceExit = setTimeout(() => process.exit(130), 1500).unref();
    };
    process.once('SIGINT', onSigint);
    const show = async (url: string) => {
      if (open && (await openBrowser(url, deps.env, deps.platform))) {
        this.info(`Opening ${url} in your browser…`);
      } else {
        this.info(`Open this URL in a browser: ${url}`);
      }
    };
    try {
      if (flags.web) {
        const view = await loginWithBrowser(deps, http, resolved, {
          signal: controller.signal,
          onAuthorizationUrl: async (url) => {
            await show(url);
            spinner = startSpinner(process.stderr, 'Waiting for the browser login…');
          },
        });
        spinner?.stop();
        return this.done(view);
      }
      const view = await loginWithDevice(deps, http, resolved, {
        signal: controller.signal,
        onDeviceCode: async (authorization: DeviceAuthorization) => {
          this.info(`! Your one-time code: ${c.bold(authorization.userCode)}`);
          await show(authorization.verificationUriComplete ?? authorization.verificationUri);
          if (authorization.verificationUriComplete) this.info(`  (or go to ${authorization.verificationUri} and enter the code)`);
          spinner = startSpinner(process.stderr, 'Waiting for approval… (Ctrl-C to cancel)');
        },
        onSlowDown: (interval) => deps.debug(`the issuer asked to poll more slowly: every ${interval} s`),
      });
      spinner?.stop();
      return this.done(view);
    } finally {
      spinner?.stop();
      process.off('SIGINT', onSigint);
      if (!controller.signal.aborted) await http.close();
      else if (forceExit) forceExit.refresh();
    }
  }

  private done(view: SessionView): SessionView {
    this.info(`Logged in to profile ${view.profile} as ${view.username ?? describeUser(view)} (store: ${view.store?.location ?? 'none'})`);
    if (this.deps.env.EUN_TOKEN?.trim()) this.info('Note: EUN_TOKEN is set; management commands use it rather than this session until you unset it.');
    return view;
  }
}
