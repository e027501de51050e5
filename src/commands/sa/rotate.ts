import { Args, Flags } from '@oclif/core';
import { SaCommand, yesFlag } from '../../cli/sa-command.js';
import { describeAccount, resolveAccount } from '../../core/accounts/ref.js';
import { dropCachedTokens, forgetClientSecret, keepClientSecret, prepareSecretStore, withClientSecretLock } from '../../core/accounts/secret.js';
import type { ServiceAccount } from '../../core/accounts/types.js';

/** What `eun sa rotate --json` prints. */
export interface SaRotateResult extends ServiceAccount {
  clientSecret: string;
  /** The new secret replaced the stored one. */
  stored: boolean;
  /** Cached tokens of the old secret that were dropped. */
  droppedTokens: number;
}

export default class SaRotate extends SaCommand {
  static override summary = 'Give a service account a new client secret.';
  static override description =
    'The old secret stops working at once. The new secret replaces the stored one (unless --no-store, which removes the old one from the store), cached tokens minted with the old secret are dropped, and the new secret is printed once. Asks for confirmation on a terminal; elsewhere --yes is required.';
  static override examples = ['<%= config.bin %> sa rotate ci-deployer', '<%= config.bin %> sa rotate 123 --yes --json | jq -r .clientSecret'];
  static override args = { ref: Args.string({ description: 'Id, client id or unique name.', required: true }) };
  static override flags = {
    yes: yesFlag,
    store: Flags.boolean({ description: 'Store the new secret for eun token get (--no-store: only print it).', allowNo: true, default: true }),
  };

  async run(): Promise<SaRotateResult> {
    const { args, flags } = await this.parse(SaRotate);
    this.requireYesOrTerminal(flags.yes);
    return this.withAccounts(flags.profile, async ({ api, resolved }) => {
      const target = await resolveAccount(api, args.ref);
      await this.confirmOrYes(flags.yes, `Rotate the secret of ${describeAccount(target)}? The current secret stops working at once.`);
      // Rotate and store under the secret's lock, so concurrent rotations store in server order.
      if (flags.store) await prepareSecretStore(this.deps);
      let dropped = 0;
      const { account, clientSecret, keeping } = await withClientSecretLock(this.deps, resolved, target.clientId, async () => {
        const rotated = await api.rotate(target.id);
        const { clientSecret, ...fields } = rotated;
        const account: ServiceAccount = { ...target, ...fields, scopes: fields.scopes.length > 0 ? fields.scopes : target.scopes };
        try {
          // Printed and stored at once; the old secret is dead either way, so --no-store removes it.
          const store = flags.store ? () => keepClientSecret(this.deps, resolved, account.clientId, clientSecret) : undefined;
          const keeping = await this.printClientSecret(account, clientSecret, store, 'new client secret');
          if (!flags.store) await this.bestEffort('remove the old secret from the store', () => forgetClientSecret(this.deps, resolved, account.clientId));
          return { account, clientSecret, keeping };
        } finally {
          // Tokens of the old secret go whatever happened to the new one.
          dropped = (await this.bestEffort('drop cached tokens', () => dropCachedTokens(this.deps, account.clientId))) ?? 0;
        }
      });
      this.chatter(`Dropped ${dropped} cached token${dropped === 1 ? '' : 's'} of the old secret.`);
      return { ...account, clientSecret, stored: keeping?.stored === true, droppedTokens: dropped };
    });
  }
}
