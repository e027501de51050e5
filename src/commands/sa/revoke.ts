import { Args } from '@oclif/core';
import { SaCommand, yesFlag } from '../../cli/sa-command.js';
import { describeAccount, resolveAccount } from '../../core/accounts/ref.js';
import { dropCachedTokens } from '../../core/accounts/secret.js';
import type { ServiceAccount } from '../../core/accounts/types.js';

export default class SaRevoke extends SaCommand {
  static override summary = 'Disable a service account without deleting it.';
  static override description =
    'A revoked account can no longer mint tokens; its cached tokens are dropped. It stays listed (status revoked) until deleted. Asks for confirmation on a terminal; elsewhere --yes is required.';
  static override examples = ['<%= config.bin %> sa revoke ci-deployer', '<%= config.bin %> sa revoke 123 --yes'];
  static override args = { ref: Args.string({ description: 'Id, client id or unique name.', required: true }) };
  static override flags = { yes: yesFlag };

  async run(): Promise<ServiceAccount> {
    const { args, flags } = await this.parse(SaRevoke);
    this.requireYesOrTerminal(flags.yes);
    return this.withAccounts(flags.profile, async ({ api }) => {
      const target = await resolveAccount(api, args.ref);
      await this.confirmOrYes(flags.yes, `Revoke ${describeAccount(target)}? It will no longer be able to get tokens.`);
      const revoked = await api.revoke(target.id);
      await this.bestEffort('drop cached tokens', () => dropCachedTokens(this.deps, target.clientId));
      this.chatter(`Revoked ${describeAccount(revoked)}.`);
      this.out(this.renderAccount(revoked));
      return revoked;
    });
  }
}
