import { Args } from '@oclif/core';
import { SaCommand, yesFlag } from '../../../cli/sa-command.js';
import { describeAccount, resolveAccount } from '../../../core/accounts/ref.js';
import { validateRef } from '../../../core/accounts/validate.js';

/** What `eun sa pat delete --json` prints. */
export interface SaPatDeleteResult {
  accountId: string;
  tokenId: string;
  deleted: true;
}

export default class SaPatDelete extends SaCommand {
  static override summary = 'Delete a personal access token of a service principal.';
  static override description = 'The token stops working at once. Asks for confirmation on a terminal; elsewhere --yes is required.';
  static override examples = ['<%= config.bin %> sa pat delete sp_1a2b pat_3c4d --yes'];
  static override args = {
    ref: Args.string({ description: 'Id, client id or unique name of the service principal.', required: true }),
    token_id: Args.string({ description: 'Id of the token (see eun sa pat list).', required: true }),
  };
  static override flags = { yes: yesFlag };

  async run(): Promise<SaPatDeleteResult> {
    const { args, flags } = await this.parse(SaPatDelete);
    const tokenId = validateRef(args.token_id, 'TOKEN_ID');
    this.requireYesOrTerminal(flags.yes);
    return this.withAccounts(flags.profile, async ({ api }) => {
      const account = await resolveAccount(api, args.ref);
      await this.confirmOrYes(flags.yes, `Delete token ${tokenId} of ${describeAccount(account)}? It stops working at once.`);
      await api.deleteToken(account.id, tokenId);
      this.chatter(`Deleted token ${tokenId} of ${describeAccount(account)}.`);
      return { accountId: account.id, tokenId, deleted: true };
    });
  }
}
