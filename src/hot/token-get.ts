/**
 * The hot path of `eun token get`, reached from bin/run.js without loading oclif. It parses
 * argv with node:util and runs the same core code as the `token get` command; anything it
 * does not understand (`--help`, unknown flags, bad values) goes back to oclif.
 */
import { join } from 'node:path';
import { cacheDir } from '../core/config/paths.js';
import type { Deps } from '../core/deps.js';
import { EunError, ExitCode, isEunError, sanitizeForTerminal } from '../core/errors.js';
import { reportError } from '../cli/error-output.js';
import { getToken, tokenOptionsFromFlags } from '../core/tokens/get-token.js';
import { renderToken } from '../core/tokens/output.js';

// Built-ins through getBuiltinModule, not `import`: the ES-module facade of node:util alone
// adds ~3 MB of RSS to a cache hit (it evaluates every lazy export).
const { parseArgs } = process.getBuiltinModule('node:util');
const { writeSync } = process.getBuiltinModule('node:fs');

/** Writes the result to fd 1 directly: process.stdout would set up a stream (~2 MB) for one line. */
function writeResult(text: string): void {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (err) {
      // A non-blocking pipe that is full: wait for the reader.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

const OPTIONS = {
  'client-id': { type: 'string' },
  scope: { type: 'string', multiple: true },
  audience: { type: 'string' },
  resource: { type: 'string', multiple: true },
  issuer: { type: 'string' },
  'token-url': { type: 'string' },
  'min-ttl': { type: 'string' },
  header: { type: 'boolean' },
  'exec-credential': { type: 'boolean' },
  json: { type: 'boolean' },
  'force-refresh': { type: 'boolean' },
  profile: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

/**
 * On a miss, keeps V8's compiled code of what a mint loads (undici above all) in the user's
 * cache directory: later cold runs load it in half the time. Not on a hit, where reading the
 * cache would cost more than compiling the few small modules. NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. A private directory, not the shared temp dir, so no one else can feed it.
 */
function enableCompileCache(deps: Deps): void {
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
function hotDeps(verbose: boolean): Deps {
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

/** Reports an error as the commands do (an unexpected one as the base command words it). */
function report(thrown: unknown, json: boolean, verbose: boolean): void {
  const err = isEunError(thrown)
    ? thrown
    : new EunError('unexpected', ExitCode.unexpected, `unexpected error: ${thrown instanceof Error ? thrown.message : String(thrown)}`, {
        hint: 'run again with --verbose for details',
        cause: thrown,
      });
  reportError(err, { json, verbose });
}

/**
 * Runs `eun token get ARGV…`. Returns false, having done nothing, when oclif should handle
 * the command line instead.
 */
export async function run(argv: string[]): Promise<boolean> {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch {
    return false;
  }
  if ([values.header, values.json, values['exec-credential']].filter(Boolean).length > 1) return false; // oclif reports the conflict
  const verbose = Boolean(values.verbose) || Boolean(process.env.DEBUG);
  const deps = hotDeps(verbose);
  try {
    const result = await getToken(deps, tokenOptionsFromFlags(values), { onMiss: () => enableCompileCache(deps) });
    writeResult(renderToken(result, deps.now(), { json: values.json, header: values.header, execCredential: values['exec-credential'] }));
  } catch (err) {
    report(err, Boolean(values.json), verbose);
  }
  return true;
}
