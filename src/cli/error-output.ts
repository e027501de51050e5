/**
 * How an error reaches the user: one line and a hint on stderr, or `{error}` on stdout with
 * --json, the stack only with --verbose. Free of oclif, so the hot path of `eun token get`
 * reports errors exactly as the commands do.
 */
import { type EunError, sanitizeForTerminal, toTerminalJson } from '../core/errors.js';

/** Writes `err` for the user and sets the process's exit code. */
export function reportError(err: EunError, options: { json: boolean; verbose: boolean }): void {
  process.exitCode = err.exitCode;
  if (options.json) {
    const error: { code: string; message: string; hint?: string } = { code: err.code, message: err.message };
    if (err.hint) error.hint = err.hint;
    process.stdout.write(`${toTerminalJson({ error })}\n`);
  } else {
    process.stderr.write(`eun: ${sanitizeForTerminal(err.message)}\n`);
    if (err.hint) process.stderr.write(`hint: ${sanitizeForTerminal(err.hint)}\n`);
  }
  if (options.verbose) {
    const detail = err.cause instanceof Error ? err.cause : err;
    process.stderr.write(`${sanitizeForTerminal(detail.stack ?? String(detail))}\n`);
  }
}
