/**
 * The eunifyer management API (API.md §4): service principals under
 * `{api}/api/v1/developer/service-principals`, PATCH for changes, personal access tokens.
 */
import type { Deps } from '../deps.js';
import type { HttpClient } from '../http/client.js';
import { discoverIssuer } from '../oauth/discovery.js';
import type { FailureContext } from './errors.js';
import { managementCall } from './request.js';
import type { ServiceAccountApi } from './types.js';
import { readAccount, readAccountPage, readAccountWithSecret, readTokenList, readTokenWithValue } from './wire.js';

/** What an adapter needs: the world, the HTTP client, the user token and where the server is. */
export interface AdapterContext {
  deps: Deps;
  http: HttpClient;
  /** The user's bearer token (session or EUN_TOKEN). */
  token: string;
  issuer: string;
  /** Management API base (no trailing slash). */
  api: string;
  /** Centrali workspace slug. */
  workspace?: string;
}

/** Scopes the seed names, offered when the issuer does not list its own. */
const SEED_SCOPES = ['partner:orgs:read', 'partner:orgs:write', 'partner:users:read', 'partner:users:write'];
/** Scopes that make no sense for a service principal's client-credentials tokens. */
const NOT_FOR_PRINCIPALS = new Set(['openid', 'offline_access', 'profile', 'email', 'address', 'phone', 'roles', 'web-origins']);

/** The eunifyer adapter. */
export function eunifyerApi(ctx: AdapterContext): ServiceAccountApi {
  const base = `${ctx.api}/api/v1/developer/service-principals`;
  const noun = 'service principal';
  const context = (action: string, ref?: string, missing?: string): FailureContext => ({
    action,
    needs: 'scope admin:access',
    forbiddenHint: 'log in with an account that has admin:access (eun login asks for it); a PAT needs admin:access too',
    ...(ref !== undefined ? { ref } : {}),
    ...(missing !== undefined ? { missing } : {}),
  });
  const one = (id: string) => `${base}/${encodeURIComponent(id)}`;
  const call = (request: Parameters<typeof managementCall>[2]) => managementCall(ctx.http, ctx.token, request);

  return {
    noun,
    where: ctx.api,
    async list({ page, limit }) {
      const query = new URLSearchParams();
      if (page !== undefined) query.set('page', String(page));
      if (limit !== undefined) query.set('limit', String(limit));
      const qs = query.size > 0 ? `?${query}` : '';
      const what = 'list service principals';
      const body = await call({ url: `${base}${qs}`, context: context(what) });
      return readAccountPage(body, { ...(page ? { page } : {}), ...(limit ? { limit } : {}) }, what);
    },
    async get(id) {
      const what = `get service principal ${id}`;
      return readAccount(await call({ url: one(id), context: context(what, id) }), what);
    },
    async create(account) {
      const what = `create service principal ${JSON.stringify(account.name)}`;
      const json: Record<string, unknown> = { name: account.name, description: account.description ?? '', scopes: account.scopes ?? [] };
      return readAccountWithSecret(await call({ method: 'POST', url: base, json, context: context(what) }), what);
    },
    async update(id, changes) {
      const what = `update service principal ${id}`;
      const json: Record<string, unknown> = {};
      if (changes.name !== undefined) json.name = changes.name;
      if (changes.description !== undefined) json.description = changes.description;
      if (changes.scopes !== undefined) json.scopes = changes.scopes;
      return readAccount(await call({ method: 'PATCH', url: one(id), json, idempotent: true, context: context(what, id) }), what);
    },
    async rotate(id) {
      const what = `rotate the secret of service principal ${id}`;
      return readAccountWithSecret(await call({ method: 'POST', url: `${one(id)}/rotate`, context: context(what, id) }), what);
    },
    async revoke(id) {
      const what = `revoke service principal ${id}`;
      return readAccount(await call({ method: 'POST', url: `${one(id)}/revoke`, idempotent: true, context: context(what, id) }), what);
    },
    async delete(id) {
      await call({ method: 'DELETE', url: one(id), context: context(`delete service principal ${id}`, id) });
    },
    looksLikeId(ref) {
      return /^sp_[A-Za-z0-9]+$/.test(ref) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref) || /^\d+$/.test(ref);
    },
    async scopeChoices() {
      try {
        const metadata = await discoverIssuer(ctx.deps, ctx.http, ctx.issuer);
        const supported = Array.isArray(metadata.scopes_supported) ? (metadata.scopes_supported as unknown[]) : [];
        const scopes = supported.filter((s): s is string => typeof s === 'string' && !NOT_FOR_PRINCIPALS.has(s));
        if (scopes.length > 0) return scopes;
      } catch (err) {
        ctx.deps.debug(`no scope list from discovery: ${(err as Error).message}`);
      }
      return SEED_SCOPES;
    },
    async listTokens(accountId) {
      const what = `list the tokens of service principal ${accountId}`;
      return readTokenList(await call({ url: `${one(accountId)}/tokens`, context: context(what, accountId) }), what);
    },
    async createToken(accountId, token) {
      const what = `add a token to service principal ${accountId}`;
      const json: Record<string, unknown> = { name: token.name };
      if (token.scopes !== undefined && token.scopes.length > 0) json.scopes = token.scopes;
      return readTokenWithValue(await call({ method: 'POST', url: `${one(accountId)}/tokens`, json, context: context(what, accountId) }), what);
    },
    async deleteToken(accountId, tokenId) {
      const what = `delete token ${tokenId} of service principal ${accountId}`;
      const url = `${one(accountId)}/tokens/${encodeURIComponent(tokenId)}`;
      await call({ method: 'DELETE', url, context: context(what, accountId, `token ${tokenId} of service principal ${accountId}`) });
    },
  };
}
