/** Proves a client secret works by minting a token with it at the profile's issuer. */
import type { Deps } from '../deps.js';
import type { HttpClient } from '../http/client.js';
import { chooseAuthMethod, mintClientCredentialsToken } from '../oauth/client-credentials.js';
import { discoverIssuer } from '../oauth/discovery.js';

/** What a successful check learned. */
export interface SecretCheck {
  /** The scopes the issuer granted, space separated, when it said. */
  scope?: string;
  /** Lifetime of the minted token in seconds, when the issuer said. */
  expiresIn?: number;
}

/**
 * Mints a client-credentials token for `clientId` with `clientSecret`. A refused secret is
 * an AuthError (exit 4); an unreachable issuer a NetworkError. The token itself is dropped.
 */
export async function checkClientSecret(
  deps: Deps,
  http: HttpClient,
  request: { issuer: string; clientId: string; clientSecret: string; scopes?: readonly string[] },
): Promise<SecretCheck> {
  const metadata = await discoverIssuer(deps, http, request.issuer);
  const minted = await mintClientCredentialsToken(http, {
    tokenEndpoint: metadata.token_endpoint,
    authMethod: chooseAuthMethod(metadata),
    clientId: request.clientId,
    clientSecret: request.clientSecret,
    scopes: request.scopes ?? [],
    resources: [],
  });
  const check: SecretCheck = {};
  if (minted.scope !== undefined) check.scope = minted.scope;
  if (minted.expiresIn !== undefined) check.expiresIn = minted.expiresIn;
  return check;
}
