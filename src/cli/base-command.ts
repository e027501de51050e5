import { homedir } from 'node:os';
import { Command, Errors, Flags, Interfaces } from '@oclif/core';
import type { Deps } from '../core/deps.js';
import { EunError, ExitCode, UsageError, isEunError, sanitizeForTerminal, toTerminalJson } from '../core/errors.js';
import { reportError } from './error-output.js';

/** The flags every command has (oclif adds `--json` through `enableJsonFlag`). */
export const baseFlags = {
  profile: Flags.string({
    description: 'Profile to use (default: $EUN_PROFILE, else the active profile).',
    helpGroup: 'GLOBAL',
  }),
  verbose: Flags.boolean({
    description: 'Print diagnostics on stderr (never secrets).',
    helpGroup: 'GLOBAL',
  }),
};

export type BaseFlags = Interfaces.InferredFlags<typeof baseFlags>;

/** Builds the `Deps` of `core/` from this process. */
export function processDeps(verbose: boolean): Deps {
  const debugOn = verbose || Boolean(process.env.DEBUG);
  return {
    env: process.env,
    now: () => Date.now(),
    stdout: { write: (text) => void process.stdout.write(text), isTTY: Boolean(process.stdout.isTTY) },
    stderr: { write: (text) => void process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY) },
    stdinIsTTY: Boolean(process.stdin.isTTY),
    platform: process.platform,
    homedir: homedir(),
    debug: (message) => {
      if (debugOn) process.stderr.write(`eun: ${sanitizeForTerminal(message)}\n`);
    },
  };
}

/**
 * One line from an oclif parse error, which spreads over several: its preamble ("The
 * following error occurred:") and help pointer are dropped, and a line ending in ":" ("Missing
 * 1 required arg:") is joined with the first thing it introduces (the argument's name).
 */
export function firstLine(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^The following errors? occurred:$/.test(line) && !/^See more help with/.test(line));
  const [first, second] = lines;
  if (first === undefined) return message;
  if (first.endsWith(':') && second !== undefined) return `${first} ${second.split(/\s{2,}/)[0]}`;
  return first;
}

/** Converts anything thrown into one of our typed errors. */
export function toEunError(err: unknown, commandId: string | undefined): EunError {
  if (isEunError(err)) return err;
  if (err instanceof Errors.ExitError) {
    return new EunError('exit', (err.oclif.exit ?? ExitCode.unexpected) as ExitCode, err.message);
  }
  // oclif's parse errors (unknown flag, missing argument, bad option) exit 2.
  if (err instanceof Errors.CLIError && (err.oclif.exit === undefined || err.oclif.exit === ExitCode.usage)) {
    return new UsageError(firstLine(err.message), {
      hint: commandId ? `see eun ${commandId.replaceAll(':', ' ')} --help` : 'see eun --help',
      cause: err,
    });
  }
  // Prompt libraries signal Ctrl-C with an ExitPromptError.
  if (err instanceof Error && err.name === 'ExitPromptError') {
    return new EunError('cancelled', ExitCode.cancelled, 'cancelled');
  }
  const message = err instanceof Error ? err.message : String(err);
  return new EunError('unexpected', ExitCode.unexpected, `unexpected error: ${message}`, {
    hint: 'run again with --verbose for details',
    cause: err,
  });
}

/**
 * Base of every command: the shared flags, the `Deps` handed to `core/`, and the one error
 * handler that maps typed errors to exit codes and one-line messages (CLI.md).
 */
export abstract class EunCommand extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = baseFlags;

  /** Diagnostics on: --verbose or DEBUG. */
  protected verbose = false;
  private depsCache?: Deps;

  /** The world as `core/` sees it. */
  protected get deps(): Deps {
    this.depsCache ??= processDeps(this.verbose);
    return this.depsCache;
  }

  override async init(): Promise<void> {
    await super.init();
    this.verbose = this.argv.includes('--verbose');
  }

  /**
   * Parses as oclif does, except that a missing positional argument is never read from stdin:
   * oclif would take `printf %s "$SECRET" | eun sa import` to mean CLIENT_ID=$SECRET and echo
   * it in an error. Commands that read stdin do it themselves, for secrets only.
   */
  // oclif's own bounds (FlagOutput, ArgOutput) are Record<string, any> and not exported.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected override async parse<F extends Record<string, any>, B extends Record<string, any>, A extends Record<string, any>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const input = (options ?? this.ctor) as Interfaces.Input<F, B, A> & { enableJsonFlag?: boolean };
    const args = Object.fromEntries(Object.entries(input.args ?? {}).map(([name, arg]) => [name, { ...arg, ignoreStdin: true }]));
    // A command class keeps flags, baseFlags and enableJsonFlag in (inherited) statics, which
    // a spread does not copy: name them, as oclif's own parse does.
    const withArgs = {
      ...input,
      flags: input.flags,
      baseFlags: input.baseFlags,
      enableJsonFlag: input.enableJsonFlag,
      strict: input.strict,
      args,
    };
    return super.parse(withArgs as Interfaces.Input<F, B, A>, argv);
  }

  /** Writes result data on stdout (suppressed in --json mode, where `run` returns it). */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes information for a person on stderr. */
  protected info(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Whether prompting is possible: a terminal on stdin and stderr, not --json, not CI. */
  protected canPrompt(): boolean {
    return (
      Boolean(process.stdin.isTTY) &&
      Boolean(process.stderr.isTTY) &&
      !this.jsonEnabled() &&
      !(process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0')
    );
  }

  /** Prompts on a terminal; elsewhere a missing input is exit 2 naming the flag. */
  protected async ask<T>(flag: string, prompt: () => Promise<T>): Promise<T> {
    if (!this.canPrompt()) throw new UsageError(`missing ${flag} (no terminal to prompt on)`);
    return prompt();
  }

  /** The --json document, with the C1 controls JSON.stringify leaves raw escaped too. */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${toTerminalJson(json, 2)}\n`);
  }

  override async catch(thrown: Error & { exitCode?: number }): Promise<void> {
    reportError(toEunError(thrown, this.id), { json: this.jsonEnabled(), verbose: this.verbose || Boolean(process.env.DEBUG) });
  }
}
