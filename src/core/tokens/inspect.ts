/** Decoding a JWT for people, and verifying it against its issuer's JWKS. */
import type { Deps } from '../deps.js';
import { AuthError, NetworkError, UsageError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { discoverIssuer } from '../oauth/discovery.js';

/** A decoded JWT. */
export interface JwtInspection {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** From `iat`, ISO-8601 UTC. */
  issuedAt: string | null;
  /** From `exp`, ISO-8601 UTC. */
  expiresAt: string | null;
  /** Seconds left (negative once expired); null without `exp`. */
  expiresIn: number | null;
  expired: boolean;
  /** Set by `--verify`: the signature, issuer and lifetime checked out. */
  verified?: boolean;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new UsageError(`not a JWT: its ${what} is not base64url-encoded JSON`);
}

function isoFromSeconds(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value * 1000).toISOString() : null;
}

/** Decodes a JWT's header and claims (no signature check). A token that is no JWS is a UsageError. */
export function inspectJwt(token: string, now: number): JwtInspection {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((p, i) => i < 2 && !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw new UsageError('not a JWT: expected three base64url parts separated by dots', {
      hint: 'opaque tokens (not JWTs) cannot be decoded; ask the issuer\'s introspection endpoint instead',
    });
  }
  const header = decodePart(parts[0] as string, 'header');
  const claims = decodePart(parts[1] as string, 'payload');
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  return {
    header,
    claims,
    issuedAt: isoFromSeconds(claims.iat),
    expiresAt: isoFromSeconds(claims.exp),
    expiresIn: exp === undefined ? null : Math.floor(exp - now / 1000),
    expired: exp !== undefined && exp * 1000 <= now,
  };
}

/**
 * Verifies `token` against the JWKS of `issuer` (found by discovery): signature, `iss`, and
 * `exp`/`nbf` with 30 s of clock tolerance. A failure is an AuthError saying why.
 */
export async function verifyJwt(deps: Deps, http: HttpClient, token: string, issuer: string): Promise<void> {
  const metadata = await discoverIssuer(deps, http, issuer);
  if (typeof metadata.jwks_uri !== 'string') {
    throw new NetworkError(`the issuer ${issuer} publishes no jwks_uri to verify tokens with`, { code: 'discovery' });
  }
  const res = await http.request({ url: metadata.jwks_uri, what: 'JWKS request', maxBytes: 512 * 1024 });
  if (res.status !== 200) throw new NetworkError(`JWKS request to ${new URL(metadata.jwks_uri).host} failed: HTTP ${res.status}`);
  const jwks = res.json<{ keys?: unknown }>();
  if (!Array.isArray(jwks?.keys)) throw new NetworkError(`the JWKS at ${metadata.jwks_uri} has no keys`, { code: 'bad_response' });
  const jose = await import('jose');
  try {
    await jose.jwtVerify(token.trim(), jose.createLocalJWKSet(jwks as Parameters<typeof jose.createLocalJWKSet>[0]), {
      issuer: metadata.issuer,
      clockTolerance: 30,
      currentDate: new Date(deps.now()),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AuthError(`the token does not verify against ${metadata.issuer}: ${reason}`, {
      code: 'invalid_token',
      hint: 'check that it was issued by this issuer (--issuer) and has not expired',
    });
  }
}
