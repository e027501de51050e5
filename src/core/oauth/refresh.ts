/** The refresh-token grant (RFC 6749 §6) for a public client. */
import type { HttpClient } from '../http/client.js';
import { type TokenAnswer, requestUserTokens } from './user-grant.js';

/** One refresh request. */
export interface RefreshRequest {
  tokenEndpoint: string;
  clientId: string;
  refreshToken: string;
}

/** Asks for new tokens with a refresh token; an OAuth error (e.g. `invalid_grant`) comes back as an answer. */
export function refreshUserTokens(http: HttpClient, request: RefreshRequest): Promise<TokenAnswer> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: request.refreshToken,
    client_id: request.clientId,
  });
  return requestUserTokens(http, request.tokenEndpoint, form);
}
