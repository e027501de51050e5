import { Args } from '@oclif/core';
import { SaCommand, yesFlag } from '../../cli/sa-command.js';
import { updateCompletionList } from '../../core/accounts/completion.js';
import { followDefaultAccount } from '../../core/accounts/default-account.js';
import { describeAccount, resolveAccount } from '../../core/accounts/ref.js';
import { dropCachedTokens, forgetClientSecret } from '../../core/accounts/secret.js';

/** What `eun sa delete --json` prints. */
export interface SaDeleteResult {
  id: string;
  clientId: string;
  name: string;
  deleted: true;
  /** A stored secret was removed. */
  secretRemoved: boolean;
  droppedTokens: number;
  /** It was the profile's default account (and no longer is). */
  wasDefault: boolean;
}

export default class SaDelete extends SaCommand {
  static override summary = 'Delete a service account.';
  static override description =
    'Deletes the account on the server, then its stored secret and cached tokens (and it stops being the profile\'s default). Asks for confirmation on a terminal; elsewhere --yes is required.';
  static override examples = ['<%= config.bin %> sa delete ci-deployer', '<%= config.bin %> sa delete 123 --yes'];
  static override args = { ref: Args.string({ description: 'Id, client id or unique name.', required: true }) };
  static override flags = { yes: yesFlag };

  async run(): Promise<SaDeleteResult> {
    const { args, flags } = await this.parse(SaDelete);
    this.requireYesOrTerminal(flags.yes);
    return this.withAccounts(flags.profile, async ({ api, resolved }) => {
      const target = await resolveAccount(api, args.ref);
      await this.confirmOrYes(flags.yes, `Delete ${describeAccount(target)}? This cannot be undone.`);
      await api.delete(target.id);
      const secretRemoved = (await this.bestEffort('remove the stored secret', () => forgetClientSecret(this.deps, resolved, target.clientId))) ?? false;
      const droppedTokens = (await this.bestEffort('drop cached tokens', () => dropCachedTokens(this.deps, target.clientId))) ?? 0;
      const wasDefault = (await this.bestEffort('update the profile', () => followDefaultAccount(this.deps, resolved, target.clientId, 'drop'))) ?? false;
      await updateCompletionList(this.deps, resolved.name, { remove: target.id });
      this.chatter(`Deleted ${describeAccount(target)}${secretRemoved ? ' and its stored secret' : ''}.`);
      if (wasDefault) this.chatter(`Profile ${resolved.name} has no default account now; pick one with eun sa import --default or eun sa create --default.`);
      return { id: target.id, clientId: target.clientId, name: target.name, deleted: true, secretRemoved, droppedTokens, wasDefault };
    });
  }
}
