/** `Deps` of a process started without oclif: the hot path of `eun token get` and the refresh-ahead process. */
import { join } from 'node:path';
import { cacheDir } from '../core/config/paths.js';
import type { Deps } from '../core/deps.js';
import { sanitizeForTerminal } from '../core/errors.js';

/**
 * On a miss, keeps V8's compiled code of what a mint loads (undici above all) in the user's
 * cache directory: later cold runs load it in half the time. Not on a hit, where reading the
 * cache would cost more than compiling the few small modules. NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. A private directory, not the shared temp dir, so no one else can feed it.
 */
export function enableCompileCache(deps: Deps): void {
  if (deps.env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    const root = cacheDir(deps);
    process.getBuiltinModule('node:fs').mkdirSync(root, { recursive: true, mode: 0o700 });
    process.getBuiltinModule('node:module').enableCompileCache(join(root, 'compile-cache'));
  } catch {
    // A cache we cannot write only costs speed.
  }
}

/** `Deps` of this process, built without oclif (and without touching stdin unless asked). */
export function hotDeps(verbose: boolean): Deps {
  const debugOn = verbose || Boolean(process.env.DEBUG);
  return {
    env: process.env,
    now: () => Date.now(),
    stdout: { write: (text) => void process.stdout.write(text), get isTTY() { return Boolean(process.stdout.isTTY); } },
    stderr: { write: (text) => void process.stderr.write(text), get isTTY() { return Boolean(process.stderr.isTTY); } },
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY);
    },
    platform: process.platform,
    get homedir() {
      return process.env.HOME || process.getBuiltinModule('node:os').homedir();
    },
    debug: (message) => {
      if (debugOn) process.stderr.write(`eun: ${sanitizeForTerminal(message)}\n`);
    },
  };
}

