import { Args } from '@oclif/core';
import { SaCommand } from '../../cli/sa-command.js';
import { updateCompletionList } from '../../core/accounts/completion.js';
import { followDefaultAccount } from '../../core/accounts/default-account.js';
import { describeAccount, resolveAccount } from '../../core/accounts/ref.js';
import type { ServiceAccount } from '../../core/accounts/types.js';
import { validateAccountName } from '../../core/accounts/validate.js';

export default class SaRename extends SaCommand {
  static override summary = 'Rename a service account.';
  static override description = 'Gives a service account a new name (1-128 printable characters). Its client id and secret stay the same.';
  static override examples = ['<%= config.bin %> sa rename ci-deployer "CI deployer (prod)"'];
  static override args = {
    ref: Args.string({ description: 'Id, client id or unique name.', required: true }),
    new_name: Args.string({ description: 'The new name.', required: true }),
  };

  async run(): Promise<ServiceAccount> {
    const { args, flags } = await this.parse(SaRename);
    const name = validateAccountName(args.new_name, 'NEW_NAME');
    return this.withAccounts(flags.profile, async ({ api, resolved }) => {
      const account = await resolveAccount(api, args.ref);
      const renamed = await api.update(account.id, { name });
      await this.bestEffort('update the profile', () => followDefaultAccount(this.deps, resolved, account.clientId, { name: renamed.name }));
      await updateCompletionList(this.deps, resolved.name, { put: renamed });
      this.chatter(`Renamed ${describeAccount(account)} to ${renamed.name}.`);
      this.out(this.renderAccount(renamed));
      return renamed;
    });
  }
}
