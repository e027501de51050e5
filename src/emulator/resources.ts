import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BearerVerifier } from './auth.js';
import { HttpError, bearerToken, sendJson } from './http.js';
import type { RateLimiter } from './rate-limit.js';
import type { Flavor } from './store.js';
import type { UserDirectory } from './users.js';
import { paginate } from './validation.js';

/** Sample partner organisations (eunifyer). */
const ORGS = [
  { id: 'org_1001', name: 'Acme Corp', plan: 'business' },
  { id: 'org_1002', name: 'Globex', plan: 'starter' },
  { id: 'org_1003', name: 'Initech', plan: 'business' },
];

/** Sample structures of a centrali workspace. */
const STRUCTURES = [
  { id: 'str_1', slug: 'products', name: 'Products' },
  { id: 'str_2', slug: 'orders', name: 'Orders' },
];

const STRUCTURES_PATH = /^\/centrali\/workspace\/([^/]+)\/api\/v1\/structures\/?$/;

/**
 * The sample resource endpoints: `GET /api/v1/partner/orgs` (scope `partner:orgs:read`) and
 * `GET /centrali/workspace/{slug}/api/v1/structures`. They verify bearer tokens against the
 * JWKS and refuse tokens of rotated, revoked or deleted accounts. False when not theirs.
 */
export async function handleResources(
  verifier: BearerVerifier,
  rateLimiter: RateLimiter,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (url.pathname === '/api/v1/partner/orgs' || url.pathname === '/api/v1/partner/orgs/') {
    for (const [k, v] of Object.entries(rateLimiter.take('eunifyer:eunify'))) res.setHeader(k, v);
    if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'method not allowed');
    const caller = await verifier.verify('eunifyer', bearerToken(req));
    if (!caller.scopes.has('partner:orgs:read')) {
      throw new HttpError(403, 'insufficient_scope', 'Forbidden: scope partner:orgs:read required', {
        'www-authenticate': 'Bearer error="insufficient_scope", scope="partner:orgs:read"',
      });
    }
    sendJson(res, 200, paginate(ORGS, url.searchParams));
    return true;
  }
  const match = STRUCTURES_PATH.exec(url.pathname);
  if (match) {
    const slug = decodeURIComponent(match[1] ?? '');
    for (const [k, v] of Object.entries(rateLimiter.take(`centrali:${slug}`))) res.setHeader(k, v);
    if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'method not allowed');
    const caller = await verifier.verify('centrali', bearerToken(req));
    if (caller.workspace !== slug) throw new HttpError(403, 'forbidden', 'Forbidden: token belongs to a different workspace');
    sendJson(res, 200, paginate(STRUCTURES, url.searchParams));
    return true;
  }
  return false;
}

/**
 * The userinfo endpoint of an issuer, answered here rather than by oidc-provider because the
 * emulator's user access tokens are JWTs for the API audience, which oidc-provider's own
 * userinfo refuses.
 */
export async function handleUserinfo(
  verifier: BearerVerifier,
  users: UserDirectory,
  flavor: Flavor,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'method not allowed');
  req.resume();
  let caller;
  try {
    caller = await verifier.verify(flavor, bearerToken(req));
  } catch (err) {
    if (err instanceof HttpError) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      return sendJson(res, 401, { error: 'invalid_token', error_description: err.message });
    }
    throw err;
  }
  const user = caller.isServiceAccount ? undefined : users.get(caller.sub);
  if (!user) return sendJson(res, 200, { sub: caller.sub, ...(caller.workspace ? { workspace: caller.workspace } : {}) });
  sendJson(res, 200, {
    sub: user.sub,
    preferred_username: user.username,
    name: user.name,
    email: user.email,
    ...(flavor === 'centrali' ? { workspace: user.workspace } : {}),
    groups: user.groups,
  });
}
