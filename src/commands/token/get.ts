import { Flags } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { tokenFreshnessFlags, tokenSelectionFlags } from '../../cli/token-flags.js';
import { getToken, tokenOptionsFromFlags } from '../../core/tokens/get-token.js';
import { type TokenJson, renderToken, tokenJson } from '../../core/tokens/output.js';
import { spawnRefresh } from '../../hot/refresh-spawn.js';

export default class TokenGet extends EunCommand {
  static override summary = 'Print a bearer token for a service account.';
  static override description =
    'Prints a client-credentials access token and a newline, from the cache while it is still good (more than 60 s, or 10 % of its lifetime, left), else minted. In the last third of its lifetime the cached token is still printed at once, and one detached process mints its successor in the background. Credentials come from flags, then EUN_CLIENT_ID / EUN_CLIENT_SECRET / EUN_ISSUER or EUN_TOKEN_URL / EUN_SCOPE / EUN_AUDIENCE / EUN_RESOURCE, then the profile\'s default service account and its stored secret. The client secret is never a flag. Many processes may ask at once: only one token request is made.';
  static override examples = [
    'curl -H "Authorization: Bearer $(<%= config.bin %> token get)" https://api.eunifyer.com/api/v1/partner/orgs',
    'curl -H "$(<%= config.bin %> token get --header)" https://api.eunifyer.com/api/v1/partner/orgs',
    'EUN_ISSUER=https://auth.example.com EUN_CLIENT_ID=ci_123 EUN_CLIENT_SECRET=… <%= config.bin %> token get --scope "orgs:read orgs:write"',
    '<%= config.bin %> token get --min-ttl 10m --json',
    '<%= config.bin %> token get --exec-credential',
  ];
  static override flags = {
    ...tokenSelectionFlags,
    ...tokenFreshnessFlags,
    header: Flags.boolean({ description: 'Print "Authorization: Bearer <token>".', exclusive: ['json', 'exec-credential'] }),
    'exec-credential': Flags.boolean({
      description: 'Print a Kubernetes ExecCredential (client.authentication.k8s.io/v1) for kubeconfig exec plugins.',
      exclusive: ['json'],
    }),
  };

  async run(): Promise<TokenJson> {
    const { flags } = await this.parse(TokenGet);
    const result = await getToken(this.deps, tokenOptionsFromFlags(flags), { refreshInBackground: spawnRefresh });
    if (!this.jsonEnabled()) process.stdout.write(renderToken(result, this.deps.now(), { header: flags.header, execCredential: flags['exec-credential'] }));
    return tokenJson(result, this.deps.now());
  }
}
