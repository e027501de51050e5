/** Token revocation (RFC 7009) for a public client. */
import { NetworkError } from '../errors.js';
import type { HttpClient } from '../http/client.js';

/** Revokes `token` at `endpoint`. Success is HTTP 200 (also for a token the issuer no longer knows). */
export async function revokeToken(
  http: HttpClient,
  request: { endpoint: string; clientId: string; token: string; hint: 'refresh_token' | 'access_token' },
): Promise<void> {
  const form = new URLSearchParams({ token: request.token, token_type_hint: request.hint, client_id: request.clientId });
  // Revoking twice is harmless, so the request may be retried.
  const res = await http.request({ url: request.endpoint, form, idempotent: true, what: 'revocation request', maxBytes: 64 * 1024 });
  if (res.status === 200) return;
  const body = res.jsonOrUndefined() as { error?: unknown } | undefined;
  const error = typeof body?.error === 'string' && /^[\x20-\x7e]{1,64}$/.test(body.error) ? ` (${body.error})` : '';
  throw new NetworkError(`the revocation request to ${new URL(request.endpoint).host} failed: HTTP ${res.status}${error}`, {
    code: 'revocation_failed',
  });
}
