/** OAuth error responses (RFC 6749 §5.2) as typed errors with advice a person can act on. */
import { AuthError, NetworkError, UsageError, type EunError } from '../errors.js';

const ADVICE: Record<string, string> = {
  invalid_client:
    'check the client id and secret; the account may have been revoked, deleted, or its secret rotated — run eun sa rotate to get a new secret',
  invalid_scope: 'request only scopes the service account was granted (eun sa get shows them), or drop --scope',
  unauthorized_client: 'this client may not use the client-credentials grant; enable it (service-account role) for the client at the issuer',
  invalid_grant: 'the grant was refused; check the client and its settings at the issuer',
  access_denied: 'the issuer refused; check that the account is active and has access',
};

/** The issuer's text, shortened and made safe for one line. */
function describe(description: unknown): string {
  if (typeof description !== 'string' || description.trim() === '') return '';
  const line = description.replace(/\s+/g, ' ').trim();
  return `: ${line.length > 160 ? `${line.slice(0, 160)}…` : line}`;
}

/** Converts an OAuth `error` (and its description) into a typed error naming the client. */
export function oauthError(code: string, description: unknown, clientId: string): EunError {
  const safeCode = /^[\x20-\x7e]{1,64}$/.test(code) ? code : 'invalid_response';
  const text = `${safeCode}${describe(description)}`;
  if (safeCode === 'temporarily_unavailable' || safeCode === 'server_error') {
    return new NetworkError(`the issuer could not mint a token for ${clientId} (${text})`, { code: safeCode, hint: 'try again later' });
  }
  if (safeCode === 'invalid_request' || safeCode === 'unsupported_grant_type') {
    return new UsageError(`the issuer refused the token request for ${clientId} (${text})`, {
      hint: 'check --audience, --resource and --scope, and that the issuer supports the client-credentials grant',
    });
  }
  const hint = ADVICE[safeCode] ?? 'check the client id, secret and scopes';
  return new AuthError(`the issuer refused client ${clientId} (${text})`, { code: safeCode, hint });
}
