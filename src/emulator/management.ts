import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BearerVerifier, Caller } from './auth.js';
import { HttpError, bearerToken, readJsonObject, sendJson } from './http.js';
import { API_SCOPES } from './issuer.js';
import type { RateLimiter } from './rate-limit.js';
import type { AccountRecord, AccountStore, PatRecord } from './store.js';
import { paginate, validDescription, validName, validScopes } from './validation.js';

/** What the management routes need. */
export interface ManagementContext {
  accounts: AccountStore;
  verifier: BearerVerifier;
  rateLimiter: RateLimiter;
}

/** The eunifyer org every principal belongs to (one org in the emulator). */
const EUNIFYER_ORG = 'eunify';

const CENTRALI_SCOPES = ['openid', ...API_SCOPES.centrali];

const CENTRALI_PATH = /^\/centrali\/workspace\/([^/]+)\/api\/v1\/service-accounts(?:\/([^/]+)(?:\/(name|description|rotate|revoke))?)?\/?$/;
const EUNIFYER_PATH = /^\/api\/v1\/developer\/service-principals(?:\/([^/]+)(?:\/(rotate|revoke|tokens)(?:\/([^/]+))?)?)?\/?$/;

function notFound(what: 'Service account' | 'Service principal' | 'Token'): HttpError {
  return new HttpError(404, 'not_found', `${what} not found`);
}

function methodNotAllowed(): HttpError {
  return new HttpError(405, 'method_not_allowed', 'method not allowed');
}

/** The centrali account as API.md §3 shows it. */
export function centraliView(a: AccountRecord) {
  return {
    id: a.id,
    clientId: a.clientId,
    name: a.name,
    description: a.description,
    workspace: a.workspace,
    grant_types: a.grantTypes,
    scope: a.scopes.join(' '),
    status: a.status,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    createdBy: a.createdBy,
  };
}

/** The eunifyer principal as API.md §4 shows it. */
export function eunifyerView(a: AccountRecord) {
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    scopes: a.scopes,
    clientId: a.clientId,
    status: a.status,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

function patView(p: PatRecord) {
  return { id: p.id, name: p.name, scopes: p.scopes, createdAt: p.createdAt, expiresAt: p.expiresAt };
}

/**
 * Routes of both management APIs. Returns false when the path is not one of theirs.
 * Every answer carries the X-RateLimit-* headers of the caller's bucket.
 */
export async function handleManagement(ctx: ManagementContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const centrali = CENTRALI_PATH.exec(url.pathname);
  if (centrali) {
    const slug = decodeURIComponent(centrali[1] ?? '');
    const headers = ctx.rateLimiter.take(`centrali:${slug}`);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const caller = await ctx.verifier.verify('centrali', bearerToken(req));
    if (caller.isServiceAccount) throw new HttpError(403, 'forbidden', 'Forbidden: a user token is required');
    if (caller.workspace !== slug) throw new HttpError(403, 'forbidden', 'Forbidden: token belongs to a different workspace');
    await centraliRoute(ctx, req, res, url, caller, slug, centrali[2], centrali[3]);
    return true;
  }
  const eunifyer = EUNIFYER_PATH.exec(url.pathname);
  if (eunifyer) {
    for (const [k, v] of Object.entries(ctx.rateLimiter.take(`eunifyer:${EUNIFYER_ORG}`))) res.setHeader(k, v);
    const caller = await ctx.verifier.verify('eunifyer', bearerToken(req));
    if (!caller.scopes.has('admin:access')) throw new HttpError(403, 'insufficient_scope', 'Forbidden: scope admin:access required');
    await eunifyerRoute(ctx, req, res, url, caller, eunifyer[1], eunifyer[2], eunifyer[3]);
    return true;
  }
  return false;
}

async function centraliRoute(
  ctx: ManagementContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  caller: Caller,
  slug: string,
  id: string | undefined,
  action: string | undefined,
): Promise<void> {
  const { accounts } = ctx;
  const method = req.method ?? 'GET';
  if (id === undefined) {
    if (method === 'GET') return sendJson(res, 200, paginate(accounts.list('centrali', slug).map(centraliView), url.searchParams));
    if (method !== 'POST') throw methodNotAllowed();
    const body = await readJsonObject(req);
    const name = validName(body.name);
    const description = validDescription(body.description) ?? '';
    let grantTypes = ['client_credentials'];
    if (body.grant_types !== undefined) {
      if (!Array.isArray(body.grant_types) || body.grant_types.length === 0 || body.grant_types.some((g) => g !== 'client_credentials')) {
        throw new HttpError(400, 'validation_error', 'grant_types must be ["client_credentials"]');
      }
      grantTypes = ['client_credentials'];
    }
    let scopes = ['openid'];
    if (body.scope !== undefined) {
      if (typeof body.scope !== 'string' || body.scope.trim() === '') throw new HttpError(400, 'validation_error', 'scope must be a non-empty string');
      scopes = validScopes(body.scope.split(' ').filter(Boolean), CENTRALI_SCOPES, 'scope');
    }
    const { account, clientSecret } = await accounts.create({
      flavor: 'centrali',
      name,
      description,
      workspace: slug,
      grantTypes,
      scopes,
      createdBy: caller.sub,
    });
    const { id: newId, clientId, ...rest } = centraliView(account);
    return sendJson(res, 201, { id: newId, clientId, clientSecret, ...rest });
  }
  const account = accounts.get('centrali', slug, id);
  if (!account) throw notFound('Service account');
  if (action === undefined) {
    if (method === 'GET') return sendJson(res, 200, centraliView(account));
    if (method === 'DELETE') {
      await accounts.remove(account);
      return sendJson(res, 204, undefined);
    }
    throw methodNotAllowed();
  }
  if (action === 'name' || action === 'description') {
    if (method !== 'PUT') throw methodNotAllowed();
    const body = await readJsonObject(req);
    if (action === 'name') await accounts.update(account, { name: validName(body.name) });
    else {
      if (body.description === undefined) throw new HttpError(400, 'validation_error', 'description is required');
      await accounts.update(account, { description: validDescription(body.description) ?? '' });
    }
    return sendJson(res, 200, centraliView(account));
  }
  if (method !== 'POST') throw methodNotAllowed();
  if (action === 'rotate') {
    const clientSecret = await accounts.rotate(account);
    return sendJson(res, 200, {
      id: account.id,
      clientId: account.clientId,
      clientSecret,
      name: account.name,
      workspace: account.workspace,
      updatedAt: account.updatedAt,
    });
  }
  await accounts.update(account, { status: 'revoked' });
  return sendJson(res, 200, centraliView(account));
}

async function eunifyerRoute(
  ctx: ManagementContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  caller: Caller,
  id: string | undefined,
  action: string | undefined,
  tokenId: string | undefined,
): Promise<void> {
  const { accounts } = ctx;
  const method = req.method ?? 'GET';
  if (id === undefined) {
    if (method === 'GET') return sendJson(res, 200, paginate(accounts.list('eunifyer', EUNIFYER_ORG).map(eunifyerView), url.searchParams));
    if (method !== 'POST') throw methodNotAllowed();
    const body = await readJsonObject(req);
    const name = validName(body.name);
    const description = validDescription(body.description) ?? '';
    const scopes = body.scopes === undefined ? [] : validScopes(body.scopes, API_SCOPES.eunifyer);
    const { account, clientSecret } = await accounts.create({
      flavor: 'eunifyer',
      name,
      description,
      workspace: EUNIFYER_ORG,
      grantTypes: ['client_credentials'],
      scopes,
      createdBy: caller.sub,
    });
    return sendJson(res, 201, { ...eunifyerView(account), clientSecret });
  }
  const account = accounts.get('eunifyer', EUNIFYER_ORG, id);
  if (!account) throw notFound('Service principal');
  if (action === undefined) {
    if (method === 'GET') return sendJson(res, 200, eunifyerView(account));
    if (method === 'DELETE') {
      await accounts.remove(account);
      return sendJson(res, 204, undefined);
    }
    if (method !== 'PATCH') throw methodNotAllowed();
    const body = await readJsonObject(req);
    const changes: Partial<AccountRecord> = {};
    if (body.name !== undefined) changes.name = validName(body.name);
    if (body.description !== undefined) changes.description = validDescription(body.description) ?? '';
    if (body.scopes !== undefined) changes.scopes = validScopes(body.scopes, API_SCOPES.eunifyer);
    await accounts.update(account, changes);
    return sendJson(res, 200, eunifyerView(account));
  }
  if (action === 'tokens') {
    if (tokenId !== undefined) {
      if (method !== 'DELETE') throw methodNotAllowed();
      if (!(await accounts.removePat(account, tokenId))) throw notFound('Token');
      return sendJson(res, 204, undefined);
    }
    if (method === 'GET') return sendJson(res, 200, paginate(account.pats.map(patView), url.searchParams));
    if (method !== 'POST') throw methodNotAllowed();
    const body = await readJsonObject(req);
    const name = validName(body.name);
    const scopes = body.scopes === undefined ? [...account.scopes] : validScopes(body.scopes, API_SCOPES.eunifyer);
    const { pat, token } = await accounts.addPat(account, name, scopes);
    return sendJson(res, 201, { ...patView(pat), token });
  }
  if (tokenId !== undefined || method !== 'POST') throw methodNotAllowed();
  if (action === 'rotate') {
    const clientSecret = await accounts.rotate(account);
    return sendJson(res, 200, { ...eunifyerView(account), clientSecret });
  }
  await accounts.update(account, { status: 'revoked' });
  return sendJson(res, 200, eunifyerView(account));
}
