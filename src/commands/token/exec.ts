import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { Flags } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { tokenFreshnessFlags, tokenSelectionFlags } from '../../cli/token-flags.js';
import { AuthError, NotFoundError, UsageError, isEunError } from '../../core/errors.js';
import { resolveTokenTarget } from '../../core/tokens/credentials.js';
import { enclosingExec, execEnvironment, tokenOfEnclosingExec } from '../../core/tokens/exec-env.js';
import { getToken, tokenOptionsFromFlags } from '../../core/tokens/get-token.js';
import { type FreshTokenFile, keepTokenFresh } from '../../core/tokens/keep-fresh.js';
import { spawnRefresh } from '../../hot/refresh-spawn.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
/** Signals a terminal sends to its whole foreground process group: the command has them already. */
const FROM_KEYBOARD: ReadonlySet<string> = new Set(['SIGINT', 'SIGQUIT']);

export default class TokenExec extends EunCommand {
  static override summary = 'Run a command with a fresh token in its environment.';
  static override description =
    'Gets a token as `eun token get` does and runs CMD with it in $EUN_ACCESS_TOKEN (or --env NAME) and its expiry (ISO-8601 UTC) in $EUN_ACCESS_TOKEN_EXPIRES_AT (NAME_EXPIRES_AT), never on its command line. EUN_CLIENT_SECRET and EUN_TOKEN are not passed on. SIGINT, SIGTERM and SIGHUP go to the command (on a terminal, SIGINT and SIGQUIT reach it from the terminal itself and are not sent twice), and its exit status (128 + N when killed by signal N) is eun\'s. A nested `eun token exec` for the same token uses the one it was given instead of minting. With --keep-fresh the token is also in a 0600 file named by $EUN_ACCESS_TOKEN_FILE, replaced as soon as the token enters the last third of its lifetime, and removed when CMD ends.';
  static override examples = [
    '<%= config.bin %> token exec -- sh -c \'curl -H "Authorization: Bearer $EUN_ACCESS_TOKEN" https://api.eunifyer.com/api/v1/partner/orgs\'',
    '<%= config.bin %> token exec --env TF_VAR_token -- terraform apply',
    '<%= config.bin %> token exec --keep-fresh -- ./long-sync.sh',
  ];
  static override strict = false;
  static override enableJsonFlag = false;
  static override flags = {
    ...tokenSelectionFlags,
    ...tokenFreshnessFlags,
    env: Flags.string({ description: 'Name of the variable that holds the token.', default: 'EUN_ACCESS_TOKEN' }),
    'keep-fresh': Flags.boolean({
      description: 'Also keep the token in a 0600 file named by $EUN_ACCESS_TOKEN_FILE (NAME_FILE), renewed before expiry while the command runs, removed after.',
    }),
  };

  async run(): Promise<void> {
    // Everything after the first `--` is the command, whatever it contains (even another `--`).
    const raw = [...this.argv];
    const split = raw.indexOf('--');
    const { flags, argv } = await this.parse(TokenExec, split === -1 ? raw : raw.slice(0, split));
    const command = split === -1 ? (argv as string[]) : raw.slice(split + 1);
    if (command.length === 0) throw new UsageError('missing CMD: eun token exec [FLAGS] -- CMD [ARGS…]');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.env)) throw new UsageError(`invalid --env ${JSON.stringify(flags.env)}: use letters, digits and _`);
    const deps = this.deps;
    const options = tokenOptionsFromFlags(flags);

    const target = await resolveTokenTarget(deps, options);
    let token;
    let fresh: FreshTokenFile | undefined;
    let tokenFile: string | undefined;
    const outer = enclosingExec(deps.env);
    const inherited = outer && !options.forceRefresh ? tokenOfEnclosingExec(deps, target, options.minTtlMs) : undefined;
    if (inherited && outer) {
      this.info(`eun: already inside eun token exec for ${outer.clientId}: using its token instead of minting one`);
      token = inherited;
      // The enclosing exec keeps its file fresh for as long as its command (and so this one) runs.
      const outerFile = deps.env[`${outer.env}_FILE`];
      if (flags['keep-fresh'] && outerFile && existsSync(outerFile)) tokenFile = outerFile;
    } else {
      try {
        token = await getToken(deps, options, { refreshInBackground: spawnRefresh });
      } catch (err) {
        if (!(outer && isEunError(err) && err.code === 'no_secret')) throw err;
        throw new AuthError(err.message, {
          code: 'no_secret',
          hint: `the command of eun token exec does not get EUN_CLIENT_SECRET: ask the enclosing eun token exec for this token (same --scope, --audience and --resource), or store the secret with eun sa import ${target.key.clientId}`,
        });
      }
    }
    try {
      if (flags['keep-fresh'] && tokenFile === undefined) {
        fresh = await keepTokenFresh(deps, options, token, process.pid);
        tokenFile = fresh.path;
      }
      process.exitCode = await this.runCommand(command as [string, ...string[]], execEnvironment(deps.env, target, flags.env, token, tokenFile));
    } finally {
      await fresh?.stop();
    }
  }

  /** Runs the command with signals forwarded; resolves its exit status (128 + N when killed by signal N). */
  private async runCommand([file, ...args]: [string, ...string[]], env: Record<string, string>): Promise<number> {
    const fromTerminal = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
    const handlers: Array<readonly [NodeJS.Signals, () => void]> = [];
    try {
      const child = spawn(file, args, { env, stdio: 'inherit' });
      for (const signal of FORWARDED) {
        // A Ctrl-C reaches the command from the terminal already: a second one would make
        // tools such as terraform abandon their graceful shutdown.
        handlers.push([signal, () => void (fromTerminal && FROM_KEYBOARD.has(signal) ? undefined : child.kill(signal))]);
      }
      for (const [signal, handler] of handlers) process.on(signal, handler);
      return await new Promise<number>((resolve, reject) => {
        child.on('error', (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'ENOENT'
              ? new NotFoundError(`command not found: ${file}`, { hint: 'check the name and your PATH' })
              : new UsageError(`cannot run ${file}: ${err.message}`),
          ),
        );
        child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1)));
      });
    } finally {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    }
  }
}
