import { HttpError } from './http.js';

function invalid(message: string): HttpError {
  return new HttpError(400, 'validation_error', message);
}

/** A service-account name: required, 1–128 printable characters. */
export function validName(value: unknown): string {
  if (value === undefined || value === null) throw invalid('name is required');
  if (typeof value !== 'string') throw invalid('name must be a string');
  if (value.trim().length === 0) throw invalid('name is required');
  if ([...value].length > 128) throw invalid('name must be at most 128 characters');
  if (/\p{Cc}/u.test(value)) throw invalid('name must contain printable characters only');
  return value;
}

/** An optional description: a string of at most 1024 characters. */
export function validDescription(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid('description must be a string');
  if ([...value].length > 1024) throw invalid('description must be at most 1024 characters');
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(value)) throw invalid('description must contain printable characters only');
  return value;
}

/** A list of scopes, each one of `known`. */
export function validScopes(value: unknown, known: readonly string[], field = 'scopes'): string[] {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) throw invalid(`${field} must be an array of strings`);
  const unknown = (value as string[]).find((s) => !known.includes(s));
  if (unknown !== undefined) throw invalid(`unknown scope: ${unknown}`);
  return [...new Set(value as string[])];
}

/** `page` and `limit` query parameters: integers, page ≥ 1, 1 ≤ limit ≤ 100 (default 1 and 20). */
export function validPage(query: URLSearchParams): { page: number; limit: number } {
  const read = (name: string, fallback: number, max: number): number => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw invalid(`${name} must be a positive integer`);
    const n = Number(raw);
    if (n < 1 || n > max) throw invalid(`${name} must be between 1 and ${max}`);
    return n;
  };
  return { page: read('page', 1, 1_000_000), limit: read('limit', 20, 100) };
}

/** One page of `items` in the documented list shape. */
export function paginate<T>(items: T[], query: URLSearchParams): { data: T[]; meta: { page: number; limit: number; total: number } } {
  const { page, limit } = validPage(query);
  return { data: items.slice((page - 1) * limit, page * limit), meta: { page, limit, total: items.length } };
}
