import { Flags } from '@oclif/core';
import { SaCommand } from '../../cli/sa-command.js';
import { listAllAccounts } from '../../core/accounts/ref.js';
import type { ServiceAccount } from '../../core/accounts/types.js';
import { MAX_PAGE_LIMIT, parsePositiveInt } from '../../core/accounts/validate.js';
import { UsageError } from '../../core/errors.js';
import { saveCompletionAccountList } from '../../core/completion/account-list.js';
import { colors } from '../../ui/colors.js';
import { renderTable } from '../../ui/table.js';

export default class SaList extends SaCommand {
  static override summary = 'List service accounts.';
  static override description =
    'Lists the service accounts of the profile as a table (id, name, client id, status, created): one page by default, every page with --all. --json prints them as an array. A complete listing also refreshes the shell-completion list of account names and ids.';
  static override examples = [
    '<%= config.bin %> sa list',
    '<%= config.bin %> sa list --page 2 --limit 50',
    '<%= config.bin %> sa list --all --json | jq -r \'.[] | select(.status == "active") | .clientId\'',
  ];
  static override flags = {
    page: Flags.string({ description: 'Page to show (from 1).' }),
    limit: Flags.string({ description: `Accounts per page (1-${MAX_PAGE_LIMIT}; with --all, per request).` }),
    all: Flags.boolean({ description: 'Follow every page.' }),
  };

  async run(): Promise<ServiceAccount[]> {
    const { flags } = await this.parse(SaList);
    if (flags.all && flags.page !== undefined) throw new UsageError('--page and --all cannot be used together');
    const page = flags.page === undefined ? undefined : parsePositiveInt(flags.page, '--page');
    const limit = flags.limit === undefined ? undefined : parsePositiveInt(flags.limit, '--limit', MAX_PAGE_LIMIT);

    return this.withAccounts(flags.profile, async ({ api, resolved }) => {
      let accounts: ServiceAccount[];
      let complete: boolean;
      if (flags.all) {
        accounts = await listAllAccounts(api, limit);
        complete = true;
      } else {
        const result = await api.list({ ...(page ? { page } : {}), ...(limit ? { limit } : {}) });
        accounts = result.accounts;
        const first = (result.page - 1) * result.limit;
        complete = result.complete || (result.page === 1 && result.total !== undefined && result.total <= accounts.length);
        if (!complete && result.total !== undefined && first + accounts.length < result.total) {
          this.chatter(`Showing ${first + 1}-${first + accounts.length} of ${result.total}; see --page ${result.page + 1} or --all.`);
        }
      }
      if (complete) await saveCompletionAccountList(this.deps, resolved.name, accounts);
      const c = colors(this.deps.stdout.isTTY, this.deps.env);
      const rows = accounts.map((a) => [a.id, a.name, a.clientId, a.status, a.createdAt ?? '']);
      const paint = (column: number, cell: string) => (column !== 3 ? cell : cell === 'active' ? c.green(cell) : c.red(cell));
      this.out(renderTable(['ID', 'NAME', 'CLIENT ID', 'STATUS', 'CREATED'], rows, this.deps.stdout.isTTY, paint));
      if (accounts.length === 0) this.chatter(`No service accounts in ${api.where}; create one with eun sa create.`);
      return accounts;
    });
  }
}
