import { Args, Flags } from '@oclif/core';
import { SaCommand } from '../../cli/sa-command.js';
import { updateCompletionList } from '../../core/accounts/completion.js';
import { followDefaultAccount } from '../../core/accounts/default-account.js';
import { describeAccount, resolveAccount } from '../../core/accounts/ref.js';
import type { ServiceAccount, ServiceAccountChanges } from '../../core/accounts/types.js';
import { validateAccountName, validateDescription, validateScopes } from '../../core/accounts/validate.js';
import { UsageError } from '../../core/errors.js';

export default class SaUpdate extends SaCommand {
  static override summary = 'Change the name, description or scopes of a service account.';
  static override description =
    'Changes what is given and leaves the rest. Scopes replace the granted set (servers that cannot change scopes, such as centrali, refuse --scope). The client secret stays the same.';
  static override examples = [
    '<%= config.bin %> sa update ci-deployer --description "Deploys from CI"',
    '<%= config.bin %> sa update sp_1a2b --scope partner:orgs:read --scope partner:users:read',
  ];
  static override args = { ref: Args.string({ description: 'Id, client id or unique name.', required: true }) };
  static override flags = {
    name: Flags.string({ description: 'New name (1-128 printable characters).' }),
    description: Flags.string({ description: 'New description ("" clears it).' }),
    scope: Flags.string({ description: 'Scopes to grant instead of the current ones; repeat it or separate with spaces.', multiple: true }),
  };

  async run(): Promise<ServiceAccount> {
    const { args, flags } = await this.parse(SaUpdate);
    const changes: ServiceAccountChanges = {};
    if (flags.name !== undefined) changes.name = validateAccountName(flags.name);
    if (flags.description !== undefined) changes.description = validateDescription(flags.description);
    if (flags.scope !== undefined) changes.scopes = validateScopes(flags.scope);
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give --name, --description or --scope');
    return this.withAccounts(flags.profile, async ({ api, resolved }) => {
      const account = await resolveAccount(api, args.ref);
      const updated = await api.update(account.id, changes);
      // The default account of `eun token get` asks for the scopes it now has.
      const follow = { name: updated.name, ...(changes.scopes ? { scope: changes.scopes.join(' ') } : {}) };
      await this.bestEffort('update the profile', () => followDefaultAccount(this.deps, resolved, account.clientId, follow));
      await updateCompletionList(this.deps, resolved.name, { put: updated });
      this.chatter(`Updated ${describeAccount(updated)}.`);
      this.out(this.renderAccount(updated));
      return updated;
    });
  }
}
