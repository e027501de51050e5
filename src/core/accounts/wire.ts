/**
 * Reading management payloads as they come off the wire, tolerantly: ids as numbers or
 * strings, camelCase or snake_case keys, `scope` strings or `scopes` arrays, lists as bare
 * arrays or inside `{data}`, times as ISO strings or epoch numbers. Anything unusable is a
 * NetworkError naming what was expected, never a crash further down.
 */
import { NetworkError } from '../errors.js';
import type { PersonalAccessToken, PersonalAccessTokenWithValue, ServiceAccount, ServiceAccountPage, ServiceAccountWithSecret } from './types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick(obj: Json, ...keys: string[]): unknown {
  for (const key of keys) if (obj[key] !== undefined && obj[key] !== null) return obj[key];
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An id as a string: servers send numbers (centrali) or strings (eunifyer). */
function idText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

/** A time as ISO-8601 UTC: from an ISO string, or epoch seconds / milliseconds. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const at = new Date(value < 1e12 ? value * 1000 : value);
    // A number no Date can hold is not a time: shown as sent rather than failing the command.
    return Number.isNaN(at.getTime()) ? String(value) : at.toISOString();
  }
  if (typeof value === 'string' && value !== '') {
    const at = Date.parse(value);
    return Number.isNaN(at) ? value : new Date(at).toISOString();
  }
  return undefined;
}

function scopeList(obj: Json): string[] {
  const value = pick(obj, 'scopes', 'scope');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

function badResponse(what: string): NetworkError {
  return new NetworkError(`the server's answer to ${what} is not what API.md describes`, {
    code: 'bad_response',
    hint: 'check that the profile points at the right server and flavor (eun profile show)',
  });
}

/** Reads one account; `what` names the request for the error message. */
export function readAccount(body: unknown, what: string): ServiceAccount {
  // Some servers wrap single objects too: {"data": {...}}.
  const obj = isObject(body) && isObject(body.data) ? body.data : body;
  if (!isObject(obj)) throw badResponse(what);
  const id = idText(pick(obj, 'id', 'sp_id', 'spId'));
  const clientId = idText(pick(obj, 'clientId', 'client_id'));
  if (id === undefined || clientId === undefined) throw badResponse(what);
  const enabled = pick(obj, 'enabled');
  const account: ServiceAccount = {
    id,
    clientId,
    name: text(obj.name) ?? '',
    status: text(obj.status) ?? (enabled === false ? 'revoked' : 'active'),
    scopes: scopeList(obj),
  };
  const description = text(obj.description);
  if (description !== undefined) account.description = description;
  const workspace = text(pick(obj, 'workspace', 'workspaceSlug', 'org', 'orgId'));
  if (workspace !== undefined) account.workspace = workspace;
  const createdAt = isoTime(pick(obj, 'createdAt', 'created_at'));
  if (createdAt !== undefined) account.createdAt = createdAt;
  const updatedAt = isoTime(pick(obj, 'updatedAt', 'updated_at'));
  if (updatedAt !== undefined) account.updatedAt = updatedAt;
  return account;
}

/** Reads an account that must carry its one-time client secret (create, rotate). */
export function readAccountWithSecret(body: unknown, what: string): ServiceAccountWithSecret {
  const account = readAccount(body, what);
  const obj = isObject(body) && isObject(body.data) ? body.data : (body as Json);
  const clientSecret = text(pick(obj, 'clientSecret', 'client_secret', 'secret'));
  if (clientSecret === undefined || clientSecret === '') {
    throw new NetworkError(`the server's answer to ${what} carries no client secret`, {
      code: 'bad_response',
      hint: `the account exists now (id ${account.id}); get a secret with eun sa rotate ${account.id}`,
    });
  }
  return { ...account, clientSecret };
}

/** The items of a list response: a bare array, or inside `data` / `items` / a named key. */
function listItems(body: unknown, keys: readonly string[]): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isObject(body)) return undefined;
  for (const key of ['data', 'items', 'results', ...keys]) if (Array.isArray(body[key])) return body[key] as unknown[];
  return undefined;
}

function positive(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Reads one page of accounts; `asked` is the page and limit that were requested. */
export function readAccountPage(body: unknown, asked: { page?: number; limit?: number }, what: string): ServiceAccountPage {
  const items = listItems(body, ['serviceAccounts', 'service_accounts', 'servicePrincipals', 'service_principals', 'principals']);
  if (items === undefined) throw badResponse(what);
  const accounts = items.map((item) => readAccount(item, what));
  const meta = isObject(body) ? (isObject(body.meta) ? body.meta : isObject(body.pagination) ? body.pagination : body) : undefined;
  const total = meta ? positive(pick(meta, 'total', 'totalCount', 'total_count', 'count')) : undefined;
  const page = (meta && positive(meta.page)) || asked.page || 1;
  const limit = (meta && positive(pick(meta, 'limit', 'perPage', 'per_page', 'pageSize'))) || asked.limit || accounts.length;
  const result: ServiceAccountPage = {
    accounts,
    page,
    limit,
    // No paging metadata at all: the server sent what it has (a bare array, typically).
    complete: Array.isArray(body) ? asked.page === undefined || asked.page === 1 : total === undefined && !(meta && meta.page !== undefined),
  };
  if (total !== undefined) result.total = total;
  return result;
}

/** Reads a personal access token (with `withValue`, its one-time value must be there). */
export function readToken(body: unknown, what: string): PersonalAccessToken {
  const obj = isObject(body) && isObject(body.data) ? body.data : body;
  if (!isObject(obj)) throw badResponse(what);
  const id = idText(obj.id);
  if (id === undefined) throw badResponse(what);
  const token: PersonalAccessToken = { id, name: text(obj.name) ?? '', scopes: scopeList(obj) };
  const createdAt = isoTime(pick(obj, 'createdAt', 'created_at'));
  if (createdAt !== undefined) token.createdAt = createdAt;
  const expiresAt = isoTime(pick(obj, 'expiresAt', 'expires_at'));
  if (expiresAt !== undefined) token.expiresAt = expiresAt;
  return token;
}

/** Reads a new personal access token with its value. */
export function readTokenWithValue(body: unknown, what: string): PersonalAccessTokenWithValue {
  const token = readToken(body, what);
  const obj = isObject(body) && isObject(body.data) ? body.data : (body as Json);
  const value = text(pick(obj, 'token', 'value', 'accessToken'));
  if (value === undefined || value === '') throw badResponse(what);
  return { ...token, token: value };
}

/** Reads a list of personal access tokens. */
export function readTokenList(body: unknown, what: string): PersonalAccessToken[] {
  const items = listItems(body, ['tokens']);
  if (items === undefined) throw badResponse(what);
  return items.map((item) => readToken(item, what));
}
