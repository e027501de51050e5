/**
 * The client-credentials grant (RFC 6749 §4.4): one token request, with the client secret
 * sent in the form (client_secret_post) or as HTTP Basic (client_secret_basic).
 */
import { NetworkError, NotFoundError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import type { IssuerMetadata } from './discovery.js';
import { oauthError } from './oauth-errors.js';
import { lifetimeField, tokenField } from './user-grant.js';

/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

/** One client-credentials token request. */
export interface ClientCredentialsRequest {
  tokenEndpoint: string;
  authMethod: ClientAuthMethod;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  audience?: string;
  resources: readonly string[];
}

/** What the issuer returned. */
export interface MintedToken {
  accessToken: string;
  tokenType: string;
  /** Lifetime in seconds, when the issuer said. */
  expiresIn?: number;
  scope?: string;
}

/** client_secret_post unless the issuer lists auth methods without it but with client_secret_basic. */
export function chooseAuthMethod(metadata: Pick<IssuerMetadata, 'token_endpoint_auth_methods_supported'> | undefined): ClientAuthMethod {
  const methods = metadata?.token_endpoint_auth_methods_supported;
  if (Array.isArray(methods) && !methods.includes('client_secret_post') && methods.includes('client_secret_basic')) {
    return 'client_secret_basic';
  }
  return 'client_secret_post';
}

/** RFC 6749 §2.3.1: each part form-encoded before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** Mints a token with the client-credentials grant. OAuth errors become AuthError (exit 4), never retried. */
export async function mintClientCredentialsToken(http: HttpClient, request: ClientCredentialsRequest): Promise<MintedToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = {};
  if (request.authMethod === 'client_secret_basic') {
    const pair = `${formEncode(request.clientId)}:${formEncode(request.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.set('client_id', request.clientId);
    form.set('client_secret', request.clientSecret);
  }
  if (request.scopes.length > 0) form.set('scope', request.scopes.join(' '));
  if (request.audience !== undefined) form.set('audience', request.audience);
  for (const resource of request.resources) form.append('resource', resource);

  // Minting twice is harmless: the request may be retried like a GET.
  const res = await http.request({ url: request.tokenEndpoint, form, headers, idempotent: true, what: 'token request', maxBytes: 256 * 1024 });
  const host = new URL(request.tokenEndpoint).host;
  if (res.status === 200) {
    const body = res.json<Record<string, unknown>>();
    const accessToken = typeof body === 'object' && body !== null ? tokenField(body.access_token) : undefined;
    if (accessToken === undefined) throw new NetworkError(`the token response of ${host} has no valid access_token`, { code: 'bad_response' });
    const token: MintedToken = { accessToken, tokenType: tokenField(body.token_type) ?? 'Bearer' };
    const expiresIn = lifetimeField(body.expires_in);
    if (expiresIn !== undefined) token.expiresIn = expiresIn;
    const scope = tokenField(body.scope);
    if (scope !== undefined) token.scope = scope;
    return token;
  }
  const error = res.jsonOrUndefined() as { error?: unknown; error_description?: unknown } | undefined;
  if (error && typeof error.error === 'string') throw oauthError(error.error, error.error_description, request.clientId);
  if (res.status === 401 || res.status === 403) throw oauthError('invalid_client', undefined, request.clientId);
  if (res.status === 404) {
    throw new NotFoundError(`no token endpoint at ${request.tokenEndpoint} (HTTP 404)`, {
      hint: 'check the issuer URL or the token URL',
    });
  }
  throw new NetworkError(`token request to ${host} failed: HTTP ${res.status}`, { code: 'bad_response' });
}
