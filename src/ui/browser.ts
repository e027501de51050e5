/** Opening a URL in the user's browser, only where one can be expected. */
import { spawn } from 'node:child_process';

type Env = Readonly<Record<string, string | undefined>>;

/** True when `CI` says this runs in a pipeline. */
function isCI(env: Env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * Whether to open a browser: `--browser` / `--no-browser` decide when given; `BROWSER` set
 * counts as asking; otherwise only on a terminal, outside CI, and (Linux) with a display.
 */
export function shouldOpenBrowser(options: { flag: boolean | undefined; env: Env; isTTY: boolean; platform: NodeJS.Platform }): boolean {
  if (options.flag !== undefined) return options.flag;
  if (options.env.BROWSER) return options.env.BROWSER !== 'none';
  if (isCI(options.env) || !options.isTTY) return false;
  if (options.platform === 'linux' || options.platform === 'freebsd' || options.platform === 'openbsd') {
    return Boolean(options.env.DISPLAY || options.env.WAYLAND_DISPLAY);
  }
  return true;
}

/** The program and arguments that open `url`: `$BROWSER URL`, else the platform's opener. */
export function browserCommand(url: string, env: Env, platform: NodeJS.Platform): { command: string; args: string[] } {
  const custom = env.BROWSER?.trim();
  if (custom) {
    const [command, ...args] = custom.split(/\s+/) as [string, ...string[]];
    return { command, args: args.includes('%s') ? args.map((a) => (a === '%s' ? url : a)) : [...args, url] };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` treats its first quoted argument as a window title, hence the empty one.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
  return { command: 'xdg-open', args: [url] };
}

/** Starts the browser on `url` (detached: eun does not wait for it); false when it could not be started. */
export function openBrowser(url: string, env: Env, platform: NodeJS.Platform): Promise<boolean> {
  const { command, args } = browserCommand(url, env, platform);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { detached: true, stdio: 'ignore', windowsHide: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
