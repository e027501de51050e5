/**
 * The hot path of `eun token get`, reached from bin/run.js without loading oclif. It parses
 * argv with node:util and runs the same core code as the `token get` command; anything it
 * does not understand (`--help`, unknown flags, bad values) goes back to oclif.
 */
import { EunError, ExitCode, isEunError } from '../core/errors.js';
import { reportError } from '../cli/error-output.js';
import type { TokenTarget } from '../core/tokens/credentials.js';
import { getToken, tokenOptionsFromFlags } from '../core/tokens/get-token.js';
import { renderToken } from '../core/tokens/output.js';
import { enableCompileCache, hotDeps } from './deps.js';
import { spawnRefresh } from './refresh-spawn.js';

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
    // A background refresh starts once the token is written: its reader need not wait for the spawn.
    let refresh: TokenTarget | undefined;
    const result = await getToken(deps, tokenOptionsFromFlags(values), {
      onMiss: () => enableCompileCache(deps),
      refreshInBackground: (target) => void (refresh = target),
    });
    try {
      writeResult(renderToken(result, deps.now(), { json: values.json, header: values.header, execCredential: values['exec-credential'] }));
    } finally {
      if (refresh) spawnRefresh(refresh);
    }
  } catch (err) {
    report(err, Boolean(values.json), verbose);
  }
  return true;
}
