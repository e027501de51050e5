import { Args } from '@oclif/core';
import { SaCommand } from '../../cli/sa-command.js';
import { resolveAccount } from '../../core/accounts/ref.js';
import type { ServiceAccount } from '../../core/accounts/types.js';

export default class SaGet extends SaCommand {
  static override summary = 'Show one service account.';
  static override description = 'Shows a service account: id, name, client id, status, scopes, description and times. REF is its id, its client id, or its name when only one account has it.';
  static override examples = ['<%= config.bin %> sa get ci-deployer', '<%= config.bin %> sa get 123 --json'];
  static override args = { ref: Args.string({ description: 'Id, client id or unique name.', required: true }) };

  async run(): Promise<ServiceAccount> {
    const { args, flags } = await this.parse(SaGet);
    return this.withAccounts(flags.profile, async ({ api }) => {
      const account = await resolveAccount(api, args.ref);
      this.out(this.renderAccount(account));
      return account;
    });
  }
}
