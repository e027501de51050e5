/**
 * What `core/` needs from the outside world, handed in once so that `core/` never touches
 * `process.*` or oclif and can be driven by tests with other values.
 */

/** A writable text stream (stdout or stderr). */
export interface TextOutput {
  write(text: string): void;
  /** True when a person is looking at it (a terminal). */
  readonly isTTY: boolean;
}

/** The world as `core/` sees it. */
export interface Deps {
  /** Environment variables (never mutated). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Result output: data only. */
  readonly stdout: TextOutput;
  /** Information output: warnings, progress, prompts. */
  readonly stderr: TextOutput;
  /** True when standard input is a terminal (a prompt is possible). */
  readonly stdinIsTTY: boolean;
  /** Platform, as `process.platform`. */
  readonly platform: NodeJS.Platform;
  /** The user's home directory. */
  readonly homedir: string;
  /** Print diagnostics (never secrets) when --verbose or DEBUG is set. */
  debug(message: string): void;
}
