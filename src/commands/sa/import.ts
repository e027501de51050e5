import { Args, Flags } from '@oclif/core';
import { SaCommand } from '../../cli/sa-command.js';
import { resolveProfile } from '../../cli/profile-context.js';
import { offerDefaultAccount } from '../../core/accounts/default-account.js';
import { keepClientSecret } from '../../core/accounts/secret.js';
import { validateScopes } from '../../core/accounts/validate.js';
import { checkClientSecret } from '../../core/accounts/verify.js';
import { validateClientId } from '../../core/config/validate.js';
import { AuthError, NetworkError, UsageError, isEunError } from '../../core/errors.js';
import { createHttpClient } from '../../core/http/client.js';

/** What `eun sa import --json` prints. */
export interface SaImportResult {
  clientId: string;
  stored: true;
  /** Where the secret is kept. */
  secretStore: string;
  /** The issuer minted a token with the secret. */
  verified: boolean;
  /** It is the profile's default account for `eun token get`. */
  default: boolean;
}

/** Largest secret read from stdin. */
const MAX_SECRET_BYTES = 16 * 1024;

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > MAX_SECRET_BYTES) throw new UsageError('standard input is too long for a client secret');
  }
  return text;
}

export default class SaImport extends SaCommand {
  static override summary = 'Store the secret of a service account created elsewhere.';
  static override description =
    'Reads the client secret from standard input (or a masked prompt on a terminal; never from an argument), checks it by minting a token at the profile\'s issuer, and stores it for eun token get. A secret the issuer refuses is not stored. With --default (or when the profile has no default yet) the account becomes the default of eun token get.';
  static override examples = [
    '<%= config.bin %> sa import ci_a1b2c3d4e5f6g7h8i9j0',
    'pass show eun/ci-deployer | <%= config.bin %> sa import ci_a1b2c3d4e5f6g7h8i9j0 --default',
  ];
  static override args = { client_id: Args.string({ description: 'Client id of the service account.', required: true }) };
  static override flags = {
    default: Flags.boolean({ description: 'Make it the profile\'s default account for eun token get.' }),
    scope: Flags.string({ description: 'Scope to request in the check mint (and by default afterwards in eun token get); repeatable.', multiple: true }),
  };

  async run(): Promise<SaImportResult> {
    const { args, flags } = await this.parse(SaImport);
    const clientId = validateClientId(args.client_id, 'CLIENT_ID');
    const scopes = flags.scope ? validateScopes(flags.scope) : [];
    let secret: string;
    if (!process.stdin.isTTY) secret = await readStdin();
    else secret = await this.ask('the secret on standard input', async () => (await import('../../ui/prompts.js')).promptSecret(`Client secret of ${clientId}`));
    secret = secret.replace(/[\r\n]+$/, '').trim();
    if (secret === '') throw new UsageError('no client secret given', { hint: `pipe it in: eun sa import ${clientId} < secret-file` });
    if (!/^[\x20-\x7e]+$/.test(secret)) throw new UsageError('the client secret must be printable ASCII on one line');

    const resolved = await resolveProfile(this.deps, flags.profile);
    const http = createHttpClient(this.deps);
    let verified = false;
    try {
      const check = await checkClientSecret(this.deps, http, { issuer: resolved.profile.issuer, clientId, clientSecret: secret, scopes });
      verified = true;
      this.deps.debug(`the issuer minted a token for ${clientId}${check.scope ? ` (scope ${check.scope})` : ''}`);
    } catch (err) {
      if (err instanceof AuthError || (isEunError(err) && err.exitCode === 4)) {
        throw new AuthError(`the issuer refused the secret of ${clientId}; nothing was stored (${(err as Error).message})`, {
          code: (err as AuthError).code,
          hint: 'check the client id and secret; if the secret is lost, get a new one with eun sa rotate',
        });
      }
      if (!(err instanceof NetworkError)) throw err;
      this.info(`eun: warning: could not check the secret (${err.message}); storing it unchecked`);
    } finally {
      await http.close();
    }

    const keeping = await keepClientSecret(this.deps, resolved, clientId, secret);
    if (!keeping.stored) throw keeping.error;
    let isDefault = false;
    try {
      isDefault = await offerDefaultAccount(this.deps, resolved, { clientId, ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}) }, flags.default);
    } catch (err) {
      this.info(`eun: warning: could not make it the default account: ${(err as Error).message}`);
    }
    if (!this.jsonEnabled()) {
      const check = verified ? 'the issuer accepted it (a token was minted)' : 'it could not be checked';
      this.info(`Stored the secret of ${clientId} in ${keeping.location}; ${check}.`);
      if (isDefault) this.info(`It is the default account of profile ${resolved.name} (eun token get).`);
    }
    return { clientId, stored: true, secretStore: keeping.location, verified, default: isDefault };
  }
}
