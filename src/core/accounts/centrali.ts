/**
 * The centrali management API (API.md §3): service accounts under
 * `{auth}/workspace/{slug}/api/v1/service-accounts`, one PUT per changed field, a `scope`
 * string instead of a list, and no personal access tokens.
 */
import { UsageError } from '../errors.js';
import type { AdapterContext } from './eunifyer.js';
import type { FailureContext } from './errors.js';
import { managementCall } from './request.js';
import type { ServiceAccount, ServiceAccountApi } from './types.js';
import { readAccount, readAccountPage, readAccountWithSecret } from './wire.js';

/** The centrali adapter; `ctx.workspace` must be set. */
export function centraliApi(ctx: AdapterContext & { workspace: string }): ServiceAccountApi {
  const base = `${ctx.api}/workspace/${encodeURIComponent(ctx.workspace)}/api/v1/service-accounts`;
  const context = (action: string, ref?: string): FailureContext => ({
    action,
    needs: `access to workspace ${ctx.workspace} (a user token of that workspace)`,
    forbiddenHint: `check the profile's workspace (eun profile show) and log in to workspace ${ctx.workspace} with eun login`,
    ...(ref !== undefined ? { ref } : {}),
  });
  const one = (id: string) => `${base}/${encodeURIComponent(id)}`;
  const call = (request: Parameters<typeof managementCall>[2]) => managementCall(ctx.http, ctx.token, request);
  const noTokens = () =>
    new UsageError('personal access tokens exist only on eunifyer servers; this profile speaks centrali', {
      hint: 'use eun sa create for a new client id and secret instead',
    });

  return {
    noun: 'service account',
    where: `workspace ${ctx.workspace}`,
    async list({ page, limit }) {
      const query = new URLSearchParams();
      if (page !== undefined) query.set('page', String(page));
      if (limit !== undefined) query.set('limit', String(limit));
      const qs = query.size > 0 ? `?${query}` : '';
      const what = 'list service accounts';
      const body = await call({ url: `${base}${qs}`, context: context(what) });
      return readAccountPage(body, { ...(page ? { page } : {}), ...(limit ? { limit } : {}) }, what);
    },
    async get(id) {
      const what = `get service account ${id}`;
      return readAccount(await call({ url: one(id), context: context(what, id) }), what);
    },
    async create(account) {
      const what = `create service account ${JSON.stringify(account.name)}`;
      const json: Record<string, unknown> = { name: account.name, grant_types: ['client_credentials'] };
      if (account.description !== undefined && account.description !== '') json.description = account.description;
      if (account.scopes !== undefined && account.scopes.length > 0) json.scope = account.scopes.join(' ');
      const created = readAccountWithSecret(await call({ method: 'POST', url: base, json, context: context(what) }), what);
      return { ...created, workspace: created.workspace ?? ctx.workspace };
    },
    async update(id, changes) {
      if (changes.scopes !== undefined) {
        throw new UsageError('centrali cannot change the scope of an existing service account', {
          hint: 'create a new service account with the scope you need (eun sa create --scope …)',
        });
      }
      let account: ServiceAccount | undefined;
      // One field per request (API.md §3): the name first, so a refused description leaves a clear state.
      if (changes.name !== undefined) {
        const what = `rename service account ${id}`;
        account = readAccount(await call({ method: 'PUT', url: `${one(id)}/name`, json: { name: changes.name }, context: context(what, id) }), what);
      }
      if (changes.description !== undefined) {
        const what = `change the description of service account ${id}`;
        const json = { description: changes.description };
        account = readAccount(await call({ method: 'PUT', url: `${one(id)}/description`, json, context: context(what, id) }), what);
      }
      return account ?? this.get(id);
    },
    async rotate(id) {
      const what = `rotate the secret of service account ${id}`;
      // The rotate answer is short (API.md §3: id, clientId, clientSecret, name, workspace, updatedAt).
      return readAccountWithSecret(await call({ method: 'POST', url: `${one(id)}/rotate`, context: context(what, id) }), what);
    },
    async revoke(id) {
      const what = `revoke service account ${id}`;
      return readAccount(await call({ method: 'POST', url: `${one(id)}/revoke`, idempotent: true, context: context(what, id) }), what);
    },
    async delete(id) {
      await call({ method: 'DELETE', url: one(id), context: context(`delete service account ${id}`, id) });
    },
    looksLikeId(ref) {
      return /^\d{1,15}$/.test(ref) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
    },
    async scopeChoices() {
      return undefined;
    },
    async listTokens() {
      throw noTokens();
    },
    async createToken() {
      throw noTokens();
    },
    async deleteToken() {
      throw noTokens();
    },
  };
}
