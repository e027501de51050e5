/** The client secret of a token target: from `EUN_CLIENT_SECRET`, else the secret store. */
import type { Deps } from '../deps.js';
import { AuthError } from '../errors.js';
import { clientSecretAccount, secretService } from '../secrets/types.js';
import { type TokenTarget, loadTokenProfile } from './credentials.js';

/** Reads the client secret of `target`; none anywhere is an AuthError (exit 4) saying where to put one. */
export async function clientSecretOf(deps: Deps, target: TokenTarget): Promise<string> {
  const clientId = target.key.clientId;
  if (target.secretInEnv) return (deps.env.EUN_CLIENT_SECRET as string).trim();
  const profile = target.profile ?? (await loadTokenProfile(deps, target.profileFlag));
  const { openSecretStore } = await import('../secrets/open.js');
  const store = await openSecretStore(deps);
  const secret = await store.get({ service: secretService(profile.name, profile.profile.issuer), account: clientSecretAccount(clientId) });
  if (secret === undefined || secret === '') {
    throw new AuthError(`no client secret for ${clientId} (profile ${profile.name}, ${store.location})`, {
      code: 'no_secret',
      hint: `set EUN_CLIENT_ID and EUN_CLIENT_SECRET, or store the secret with eun sa import ${clientId}`,
    });
  }
  return secret;
}
