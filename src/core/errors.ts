/**
 * Typed errors of `eun` and the exit codes of CLI.md. Every failure a user can see is one
 * of these; the base command maps them to one line on stderr (or `{error}` with --json).
 */

/** Exit codes, as in CLI.md. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  network: 5,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Options shared by every typed error. */
export interface EunErrorOptions {
  /** What the user can do about it, e.g. "run eun login". */
  hint?: string;
  /** The lower-level error, shown only with --verbose. */
  cause?: unknown;
}

/** Base of every error `eun` reports on purpose. */
export class EunError extends Error {
  /** Stable machine-readable code, printed in `--json` errors. */
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint?: string;

  constructor(code: string, exitCode: ExitCode, message: string, options: EunErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** Bad flags or arguments, or input missing where no prompt is possible (exit 2). */
export class UsageError extends EunError {
  constructor(message: string, options: EunErrorOptions = {}) {
    super('usage', ExitCode.usage, message, options);
  }
}

/** Something named does not exist (exit 3). */
export class NotFoundError extends EunError {
  constructor(message: string, options: EunErrorOptions = {}) {
    super('not_found', ExitCode.notFound, message, options);
  }
}

/** No session, invalid client credentials, revoked account, 401/403 (exit 4). */
export class AuthError extends EunError {
  constructor(message: string, options: EunErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'auth', ExitCode.auth, message, options);
  }
}

/** Unreachable, timed out, 5xx or 429 after retries (exit 5). */
export class NetworkError extends EunError {
  constructor(message: string, options: EunErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'network', ExitCode.network, message, options);
  }
}

/** The user cancelled (Ctrl-C, declined a confirmation) (exit 130). */
export class CancelledError extends EunError {
  constructor(message = 'cancelled', options: EunErrorOptions = {}) {
    super('cancelled', ExitCode.cancelled, message, options);
  }
}

/** A local file (config, store, cache) cannot be read or written safely (exit 1). */
export class LocalStateError extends EunError {
  constructor(message: string, options: EunErrorOptions = {}) {
    super('local_state', ExitCode.unexpected, message, options);
  }
}

/** True when `err` is one of ours. */
export function isEunError(err: unknown): err is EunError {
  return err instanceof EunError;
}

/**
 * Characters that could move the cursor or recolour a terminal: C0/C1 controls and DEL.
 * Text from servers and from users is passed through this before it reaches a terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Replaces control characters (ANSI escapes included) so text is safe to print. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

// eslint-disable-next-line no-control-regex
const JSON_RAW_CONTROL = /[\u007f-\u009f]/g;

/**
 * JSON for stdout: `JSON.stringify` escapes C0 controls but leaves DEL and the C1 controls
 * (U+0080-U+009F, e.g. the 8-bit CSI) raw, and some terminals act on them. Escaped here, the
 * document is the same value and safe to print.
 */
export function toTerminalJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_RAW_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
