import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { HttpError } from './http.js';
import { publicJwk, type SigningJwk } from './keys.js';
import type { AccountRecord, AccountStore, Flavor } from './store.js';

/** Who a bearer token speaks for, once verified. */
export interface Caller {
  sub: string;
  scopes: Set<string>;
  /** Centrali workspace claim (user and service-account tokens). */
  workspace?: string;
  isServiceAccount: boolean;
  /** The service account behind the token (service-account JWTs and PATs). */
  account?: AccountRecord;
  claims: JWTPayload;
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer error="invalid_token"' });
}

/** Verifies bearer tokens: RS256 JWTs against the issuer's JWKS, and (eunifyer) PATs. */
export class BearerVerifier {
  private readonly jwks;

  constructor(
    key: SigningJwk,
    private readonly issuers: Record<Flavor, string>,
    private readonly accounts: AccountStore,
  ) {
    this.jwks = createLocalJWKSet({ keys: [publicJwk(key)] });
  }

  /**
   * Verifies `token` for `flavor`. Service-account tokens are refused once their account is
   * revoked or deleted, or its secret was rotated after they were issued.
   */
  async verify(flavor: Flavor, token: string | undefined): Promise<Caller> {
    if (!token) throw unauthorized('Unauthorized: missing bearer token');
    if (flavor === 'eunifyer' && token.startsWith('pat_')) return this.verifyPat(token);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.jwks, { issuer: this.issuers[flavor], algorithms: ['RS256'] }));
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw unauthorized(expired ? 'Token expired' : 'Unauthorized: invalid token');
    }
    const scopes = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
    const caller: Caller = {
      sub: String(claims.sub ?? ''),
      scopes,
      isServiceAccount: claims.isServiceAccount === 'true',
      claims,
      ...(typeof claims.workspace === 'string' ? { workspace: claims.workspace } : {}),
    };
    if (caller.isServiceAccount) {
      const account = this.accounts.byClientId(flavor, caller.sub);
      if (!account) throw unauthorized('Service account not found');
      if (account.status !== 'active') throw unauthorized('Unauthorized: service account revoked');
      if (claims.secret_version !== account.secretVersion) {
        throw unauthorized('Unauthorized: token issued before the client secret was rotated');
      }
      caller.account = account;
    }
    return caller;
  }

  private verifyPat(token: string): Caller {
    const found = this.accounts.byPat('eunifyer', token);
    if (!found) throw unauthorized('Unauthorized: invalid token');
    const { account, pat } = found;
    if (account.status !== 'active') throw unauthorized('Unauthorized: service principal revoked');
    if (pat.expiresAt && Date.parse(pat.expiresAt) <= Date.now()) throw unauthorized('Token expired');
    return { sub: account.clientId, scopes: new Set(pat.scopes), isServiceAccount: true, account, claims: {} };
  }
}
