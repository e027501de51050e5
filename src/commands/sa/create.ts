import { Flags } from '@oclif/core';
import { SaCommand } from '../../cli/sa-command.js';
import { updateCompletionList } from '../../core/accounts/completion.js';
import { offerDefaultAccount } from '../../core/accounts/default-account.js';
import { keepClientSecret, prepareSecretStore } from '../../core/accounts/secret.js';
import type { NewServiceAccount, ServiceAccount } from '../../core/accounts/types.js';
import { validateAccountName, validateDescription, validateScopes } from '../../core/accounts/validate.js';

/** What `eun sa create --json` prints. */
export interface SaCreateResult extends ServiceAccount {
  clientSecret: string;
  /** The secret is in the secret store for `eun token get`. */
  stored: boolean;
  /** The account is the profile's default for `eun token get`. */
  default: boolean;
}

const asValidation = (check: (v: string) => unknown) => (value: string) => {
  try {
    check(value);
    return true as const;
  } catch (err) {
    return (err as Error).message.replace(/^invalid [^:]*: /, '');
  }
};

export default class SaCreate extends SaCommand {
  static override summary = 'Create a service account.';
  static override description =
    'Creates a service account and prints its client secret once. The secret is stored in the secret store for eun token get (unless --no-store) before it is printed. On a terminal, a missing name (and then description and scopes) is asked for. The first account created in a profile, or one created with --default, becomes the default of eun token get.\n\nWithout a terminal and without --json the result is printed as "key: value" lines, the secret on the "clientSecret:" line.';
  static override examples = [
    '<%= config.bin %> sa create',
    '<%= config.bin %> sa create --name "MSP Provisioning Bot" --scope partner:orgs:read --scope partner:orgs:write --default',
    '<%= config.bin %> sa create --name ci-deployer --no-store --json | jq -r .clientSecret',
  ];
  static override flags = {
    name: Flags.string({ description: 'Name (1-128 printable characters).' }),
    description: Flags.string({ description: 'What the account is for.' }),
    scope: Flags.string({ description: 'Scope to grant; repeat it or separate scopes with spaces.', multiple: true }),
    store: Flags.boolean({ description: 'Store the secret for eun token get (--no-store: only print it).', allowNo: true, default: true }),
    default: Flags.boolean({ description: 'Make it the profile\'s default account for eun token get.' }),
  };

  async run(): Promise<SaCreateResult> {
    const { flags } = await this.parse(SaCreate);
    // Everything given is checked before any prompt or request.
    if (flags.name !== undefined) validateAccountName(flags.name);
    if (flags.description !== undefined) validateDescription(flags.description);
    let scopes = flags.scope ? validateScopes(flags.scope) : undefined;
    const interactive = flags.name === undefined;

    return this.withAccounts(flags.profile, async ({ api, resolved }) => {
      const prompts = () => import('../../ui/prompts.js');
      const name = flags.name ?? (await this.ask('--name', async () => (await prompts()).promptText('Name of the service account', { validate: asValidation(validateAccountName) })));
      let description = flags.description;
      if (interactive && description === undefined) {
        description = await (await prompts()).promptText('Description (optional)', { validate: asValidation(validateDescription) });
      }
      if (interactive && scopes === undefined) {
        const choices = await api.scopeChoices();
        if (choices) scopes = await (await prompts()).promptCheckbox('Scopes (space to select, enter to confirm)', choices);
      }
      const request: NewServiceAccount = { name: validateAccountName(name) };
      if (description) request.description = validateDescription(description);
      if (scopes && scopes.length > 0) request.scopes = scopes;

      if (flags.store) await prepareSecretStore(this.deps);
      const created = await api.create(request);
      const { clientSecret, ...account } = created;
      // Printed and stored before anything else: the secret must be safe before anything can fail.
      const store = flags.store ? () => keepClientSecret(this.deps, resolved, account.clientId, clientSecret) : undefined;
      const keeping = await this.printClientSecret(account, clientSecret, store, 'client secret');
      let isDefault = false;
      if (keeping?.stored || flags.default) {
        try {
          // The scopes asked for now are the ones `eun token get` asks for later.
          const scope = request.scopes?.join(' ');
          const chosen = { clientId: account.clientId, id: account.id, name: account.name, ...(scope ? { scope } : {}) };
          isDefault = await offerDefaultAccount(this.deps, resolved, chosen, flags.default);
        } catch (err) {
          this.info(`eun: warning: could not make it the default account: ${(err as Error).message}`);
        }
      }
      await updateCompletionList(this.deps, resolved.name, { put: account });
      if (isDefault) this.chatter(`It is the default account of profile ${resolved.name} (eun token get).`);
      return { ...account, clientSecret, stored: keeping?.stored === true, default: isDefault };
    });
  }
}
