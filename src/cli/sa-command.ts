/**
 * What every `eun sa …` command shares: the management API of the profile (with the user's
 * token and one HTTP client), the `--yes` confirmation of destructive verbs, the one-time
 * secret output, and account rendering. Commands stay thin and never see the flavor.
 */
import { Flags } from '@oclif/core';
import { serviceAccountApi } from '../core/accounts/api.js';
import type { SecretKeeping } from '../core/accounts/secret.js';
import type { ServiceAccount, ServiceAccountApi } from '../core/accounts/types.js';
import type { ConfigFile, ResolvedProfile } from '../core/config/profiles.js';
import { CancelledError, EunError, UsageError, sanitizeForTerminal } from '../core/errors.js';
import { type HttpClient, type RateLimitInfo, createHttpClient } from '../core/http/client.js';
import { getUserAccessToken } from '../core/session/user-token.js';
import { colors } from '../ui/colors.js';
import { renderFields } from '../ui/table.js';
import { EunCommand } from './base-command.js';
import { resolveProfile } from './profile-context.js';

/** `--yes` of destructive verbs. */
export const yesFlag = Flags.boolean({ char: 'y', description: 'Do not ask for confirmation (required when not on a terminal).' });

/** A profile's management API, ready to use. */
export interface AccountsSession {
  api: ServiceAccountApi;
  resolved: ResolvedProfile & { config: ConfigFile };
  http: HttpClient;
}

/** Base of the `eun sa` commands. */
export abstract class SaCommand extends EunCommand {
  private rateLimitTold = false;

  /** Runs `work` against the profile's management API, then closes the HTTP client. */
  protected async withAccounts<T>(profileFlag: string | undefined, work: (session: AccountsSession) => Promise<T>): Promise<T> {
    const resolved = await resolveProfile(this.deps, profileFlag);
    const http = createHttpClient(this.deps, { onRateLimitLow: (info) => this.warnRateLimit(info) });
    try {
      const token = await getUserAccessToken(this.deps, http, resolved);
      const api = serviceAccountApi(this.deps, http, resolved, token);
      return await work({ api, resolved, http });
    } finally {
      await http.close();
    }
  }

  /** Says once per run that the server's rate-limit budget is nearly spent. */
  private warnRateLimit(info: RateLimitInfo): void {
    if (this.rateLimitTold) return;
    this.rateLimitTold = true;
    const of = info.limit !== undefined ? ` of ${info.limit}` : '';
    const reset = info.reset !== undefined && /^\d{9,11}$/.test(info.reset) ? `; the budget resets at ${new Date(Number(info.reset) * 1000).toISOString()}` : '';
    this.info(`eun: warning: the rate limit of ${info.host} is nearly used up (${info.remaining}${of} requests left${reset}); service accounts share this budget`);
  }

  /** Fails early (before any request) when a destructive verb can neither ask nor has `--yes`. */
  protected requireYesOrTerminal(yes: boolean): void {
    if (!yes && !this.canPrompt()) throw new UsageError('--yes required when not running interactively');
  }

  /**
   * Asks before a destructive action on a terminal; elsewhere `--yes` is required. Declining
   * is a CancelledError (exit 130).
   */
  protected async confirmOrYes(yes: boolean, question: string): Promise<void> {
    if (yes) return;
    this.requireYesOrTerminal(yes);
    // Loaded only when asking: the prompt library costs start-up time on every run.
    const { promptConfirm } = await import('../ui/prompts.js');
    if (!(await promptConfirm(question))) throw new CancelledError('cancelled: nothing was changed');
  }

  /** Runs a clean-up step after the server acted; a failure is a warning, not a failed command. */
  protected async bestEffort<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (err) {
      this.info(`eun: warning: could not ${what}: ${sanitizeForTerminal(err instanceof Error ? err.message : String(err))}`);
      return undefined;
    }
  }

  /** Says something on stderr when a person is watching (success chatter). */
  protected chatter(text: string): void {
    if (this.deps.stderr.isTTY && !this.jsonEnabled()) this.info(text);
  }

  /** Renders one account as aligned fields. */
  protected renderAccount(account: ServiceAccount): string {
    return renderFields(
      [
        ['id', account.id],
        ['name', account.name],
        ['clientId', account.clientId],
        ['status', account.status],
        ['scopes', account.scopes.join(' ')],
        ['description', account.description],
        ['workspace', account.workspace],
        ['createdAt', account.createdAt],
        ['updatedAt', account.updatedAt],
      ],
      this.deps.stdout.isTTY,
    );
  }

  /** Prints the one-time client secret of `account` (create, rotate), then stores it with `store`; see `printOneTimeSecret`. */
  protected printClientSecret(
    account: ServiceAccount,
    clientSecret: string,
    store: (() => Promise<SecretKeeping>) | undefined,
    what: string,
  ): Promise<SecretKeeping | undefined> {
    const fields: Array<[string, string]> = [
      ['id', account.id],
      ['name', account.name],
      ['clientId', account.clientId],
    ];
    return this.printOneTimeSecret(fields, ['clientSecret', clientSecret], store, what);
  }

  /**
   * Prints a one-time secret so that it reaches the person or the script, exactly once, on
   * stdout: on a terminal beside a "shown once" warning (on stderr); in a pipe as
   * `key: value` lines. `--json` output is the command's return value instead. Then `store`
   * keeps it: printed first, the secret is out even if the process is killed while storing
   * (with --json, stored first: the document is printed last). When storing failed, the error
   * is thrown after the secret is out.
   */
  protected async printOneTimeSecret(
    fields: Array<[string, string]>,
    secretField: [string, string],
    store: (() => Promise<SecretKeeping>) | undefined,
    what: string,
  ): Promise<SecretKeeping | undefined> {
    let keeping: SecretKeeping | undefined;
    if (this.jsonEnabled()) keeping = await store?.();
    else {
      const c = colors(this.deps.stderr.isTTY, this.deps.env);
      if (this.deps.stdout.isTTY) {
        const width = Math.max(...[...fields, secretField].map(([k]) => k.length));
        const lines = fields.map(([k, v]) => `${k.padEnd(width)}  ${sanitizeForTerminal(v)}`);
        lines.push(`${c.bold(secretField[0].padEnd(width))}  ${sanitizeForTerminal(secretField[1])}`);
        this.out(lines.join('\n'));
        this.info(c.yellow(`! The ${what} above is shown once: copy it now, it cannot be shown again.`));
      } else {
        // One `key: value` per line: `awk -F': ' '$1=="clientSecret"{print $2}'` picks the secret.
        // Line breaks in server text would forge lines: they become spaces.
        this.out([...fields, secretField].map(([k, v]) => `${k}: ${sanitizeForTerminal(v).replace(/[\t\n]/g, ' ')}`).join('\n'));
        this.info(`eun: the ${what} printed on stdout is shown once; keep it now`);
      }
      keeping = await store?.();
      if (keeping?.stored) this.chatter(`Stored it in ${keeping.location} for eun token get.`);
    }
    if (keeping && !keeping.stored) {
      const err = keeping.error;
      const notStored = new EunError(err.code, err.exitCode === 0 ? 1 : err.exitCode, `the ${what} was printed but NOT stored: ${err.message}`, {
        hint: `keep the printed secret now; store it later with eun sa import ${fields.find(([k]) => k === 'clientId')?.[1] ?? 'CLIENT_ID'}`,
        cause: err,
      });
      if (this.jsonEnabled()) {
        // The JSON document (with the secret) is the run's result: report through the exit status and stderr only.
        process.exitCode = notStored.exitCode;
        this.info(`eun: ${sanitizeForTerminal(notStored.message)}`);
        return keeping;
      }
      throw notStored;
    }
    return keeping;
  }
}
