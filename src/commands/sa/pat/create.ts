import { Args, Flags } from '@oclif/core';
import { SaCommand } from '../../../cli/sa-command.js';
import { resolveAccount } from '../../../core/accounts/ref.js';
import type { PersonalAccessTokenWithValue } from '../../../core/accounts/types.js';
import { validateAccountName, validateScopes } from '../../../core/accounts/validate.js';

/** What `eun sa pat create --json` prints. */
export type SaPatCreateResult = PersonalAccessTokenWithValue & { accountId: string };

export default class SaPatCreate extends SaCommand {
  static override summary = 'Add a personal access token to a service principal.';
  static override description =
    'Creates a personal access token (eunifyer) and prints it once; it is not stored. Without --scope it gets the principal\'s scopes. Without a terminal and without --json the result is printed as "key: value" lines, the token on the "token:" line.';
  static override examples = ['<%= config.bin %> sa pat create sp_1a2b --name prod-key-1 --scope partner:orgs:write'];
  static override args = { ref: Args.string({ description: 'Id, client id or unique name of the service principal.', required: true }) };
  static override flags = {
    name: Flags.string({ description: 'Name of the token (1-128 printable characters).' }),
    scope: Flags.string({ description: 'Scope of the token; repeat it or separate scopes with spaces.', multiple: true }),
  };

  async run(): Promise<SaPatCreateResult> {
    const { args, flags } = await this.parse(SaPatCreate);
    if (flags.name !== undefined) validateAccountName(flags.name);
    const scopes = flags.scope ? validateScopes(flags.scope) : undefined;
    return this.withAccounts(flags.profile, async ({ api }) => {
      const account = await resolveAccount(api, args.ref);
      const name = validateAccountName(flags.name ?? (await this.ask('--name', async () => (await import('../../../ui/prompts.js')).promptText('Name of the token'))));
      const created = await api.createToken(account.id, { name, ...(scopes ? { scopes } : {}) });
      await this.printOneTimeSecret(
        [
          ['id', created.id],
          ['name', created.name],
          ['scopes', created.scopes.join(' ')],
          ['expiresAt', created.expiresAt ?? ''],
        ],
        ['token', created.token],
        undefined,
        'token',
      );
      return { ...created, accountId: account.id };
    });
  }
}
