import { Flags } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { tokenSelectionFlags } from '../../cli/token-flags.js';
import { clearCachedToken, clearCachedTokens } from '../../core/tokens/clear.js';
import { resolveTokenTarget } from '../../core/tokens/credentials.js';
import { tokenOptionsFromFlags } from '../../core/tokens/get-token.js';

/** What `eun token clear --json` prints. */
export interface TokenClearResult {
  cleared: number;
}

export default class TokenClear extends EunCommand {
  static override summary = 'Drop cached tokens.';
  static override description =
    'Drops the cached token that `eun token get` would use with the same flags and environment, or with --all every cached token (and cached discovery documents). The next `eun token get` mints a new one.';
  static override examples = ['<%= config.bin %> token clear', '<%= config.bin %> token clear --client-id ci_123 --scope openid', '<%= config.bin %> token clear --all'];
  static override flags = {
    ...tokenSelectionFlags,
    all: Flags.boolean({ description: 'Drop every cached token.' }),
  };

  async run(): Promise<TokenClearResult> {
    const { flags } = await this.parse(TokenClear);
    let cleared: number;
    if (flags.all) {
      cleared = await clearCachedTokens(this.deps, { all: true });
    } else {
      const target = await resolveTokenTarget(this.deps, tokenOptionsFromFlags(flags));
      cleared = (await clearCachedToken(this.deps, target.key)) ? 1 : 0;
    }
    if (this.deps.stderr.isTTY && !this.jsonEnabled()) this.info(`Dropped ${cleared} cached token${cleared === 1 ? '' : 's'}.`);
    return { cleared };
  }
}
