import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Flags } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { tokenFreshnessFlags, tokenSelectionFlags } from '../../cli/token-flags.js';
import { NotFoundError, UsageError } from '../../core/errors.js';
import { getToken, tokenOptionsFromFlags } from '../../core/tokens/get-token.js';
import { keepTokenFresh } from '../../core/tokens/keep-fresh.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export default class TokenExec extends EunCommand {
  static override summary = 'Run a command with a fresh token in its environment.';
  static override description =
    'Gets a token as `eun token get` does and runs CMD with it in $EUN_ACCESS_TOKEN (or --env NAME) and its expiry (ISO-8601 UTC) in $EUN_ACCESS_TOKEN_EXPIRES_AT (NAME_EXPIRES_AT), never on its command line. EUN_CLIENT_SECRET is not passed on. Signals go to the command, and its exit status comes back.';
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
    const options = tokenOptionsFromFlags(flags);
    const token = await getToken(this.deps, options);
    const env: NodeJS.ProcessEnv = { ...process.env, [flags.env]: token.accessToken };
    // The child gets a token, not the means to mint more (nor the user token that manages accounts).
    delete env.EUN_CLIENT_SECRET;
    delete env.EUN_TOKEN;
    if (token.expiresAt !== undefined) env[`${flags.env}_EXPIRES_AT`] = new Date(token.expiresAt).toISOString();
    else delete env[`${flags.env}_EXPIRES_AT`];

    const fresh = flags['keep-fresh'] ? await keepTokenFresh(this.deps, options, token) : undefined;
    if (fresh) env[`${flags.env}_FILE`] = fresh.path;

    const [file, ...args] = command as [string, ...string[]];
    const handlers: Array<readonly [NodeJS.Signals, () => void]> = [];
    try {
      const child = spawn(file, args, { env, stdio: 'inherit' });
      for (const signal of FORWARDED) handlers.push([signal, () => void child.kill(signal)]);
      for (const [signal, handler] of handlers) process.on(signal, handler);
      process.exitCode = await new Promise<number>((resolve, reject) => {
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
      await fresh?.stop();
    }
  }
}
