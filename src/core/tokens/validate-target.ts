/** Checks a token target before anything of it reaches the issuer. */
import { validateScopes } from '../accounts/validate.js';
import { quote, validateClientId, validateServerUrl } from '../config/validate.js';
import { UsageError } from '../errors.js';
import type { TokenTarget } from './credentials.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /\p{Cc}/u;

/** RFC 8707: a resource is an absolute URI without a fragment. */
function validateResource(resource: string): void {
  let url: URL | undefined;
  try {
    url = new URL(resource);
  } catch {
    url = undefined;
  }
  if (!url || url.hash !== '' || CONTROL.test(resource)) {
    throw new UsageError(`invalid resource ${quote(resource)}: use an absolute URI without a fragment (RFC 8707)`);
  }
}

/**
 * Validates client id, scopes, audience, resources and the issuer or token URL, whatever
 * their source (flag, variable, profile), so that nothing malformed reaches the issuer.
 */
export function validateTokenTarget(target: TokenTarget): void {
  const key = target.key;
  validateClientId(key.clientId, target.sources.clientId);
  validateScopes(key.scopes, target.sources.scope);
  if (key.audience !== undefined && CONTROL.test(key.audience)) {
    throw new UsageError(`invalid audience ${quote(key.audience)}: it must not contain control characters`);
  }
  for (const resource of key.resources) validateResource(resource);
  if (key.tokenUrl !== undefined) validateServerUrl(key.tokenUrl, 'token URL');
  else validateServerUrl(key.issuer as string, 'issuer URL');
}
