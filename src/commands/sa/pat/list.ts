import { Args } from '@oclif/core';
import { SaCommand } from '../../../cli/sa-command.js';
import { resolveAccount } from '../../../core/accounts/ref.js';
import type { PersonalAccessToken } from '../../../core/accounts/types.js';
import { renderTable } from '../../../ui/table.js';

export default class SaPatList extends SaCommand {
  static override summary = 'List the personal access tokens of a service principal.';
  static override description = 'Lists the tokens (eunifyer) of a service principal: id, name, scopes, created and expiry times. The token values are never shown again.';
  static override examples = ['<%= config.bin %> sa pat list sp_1a2b', '<%= config.bin %> sa pat list "MSP Provisioning Bot" --json'];
  static override args = { ref: Args.string({ description: 'Id, client id or unique name of the service principal.', required: true }) };

  async run(): Promise<PersonalAccessToken[]> {
    const { args, flags } = await this.parse(SaPatList);
    return this.withAccounts(flags.profile, async ({ api }) => {
      const account = await resolveAccount(api, args.ref);
      const tokens = await api.listTokens(account.id);
      const rows = tokens.map((t) => [t.id, t.name, t.scopes.join(' '), t.createdAt ?? '', t.expiresAt ?? '']);
      this.out(renderTable(['ID', 'NAME', 'SCOPES', 'CREATED', 'EXPIRES'], rows, this.deps.stdout.isTTY));
      return tokens;
    });
  }
}
