/**
 * Client-side checks of service-account input, so that nothing the server would refuse for
 * its form is ever sent: names, descriptions, scopes, REFs, page numbers.
 */
import { quote } from '../config/validate.js';
import { UsageError } from '../errors.js';

/** Longest name the servers accept (API.md: 1–128 characters). */
export const MAX_NAME_LENGTH = 128;
/** Longest description accepted. */
export const MAX_DESCRIPTION_LENGTH = 1024;
/** Largest page size the servers accept. */
export const MAX_PAGE_LIMIT = 100;

// eslint-disable-next-line no-control-regex
const CONTROL = /\p{Cc}/u;
// Tab and newline are allowed in descriptions; other controls are not.
// eslint-disable-next-line no-control-regex
const DESCRIPTION_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Length in characters as a person counts them (code points, not UTF-16 units). */
function length(value: string): number {
  return [...value].length;
}

/** A service-account name: 1–128 printable characters, not only spaces. Returns the name as given. */
export function validateAccountName(value: string, flag = '--name'): string {
  if (value.trim() === '') throw new UsageError(`invalid ${flag}: the name must not be empty`);
  if (CONTROL.test(value)) {
    throw new UsageError(`invalid ${flag} ${quote(value)}: the name must not contain control characters (newlines, tabs, escapes)`);
  }
  if (length(value) > MAX_NAME_LENGTH) {
    throw new UsageError(`invalid ${flag}: the name has ${length(value)} characters; at most ${MAX_NAME_LENGTH} are allowed`);
  }
  return value;
}

/** A description: at most 1024 characters, no control characters but tab and newline. */
export function validateDescription(value: string, flag = '--description'): string {
  if (DESCRIPTION_CONTROL.test(value)) throw new UsageError(`invalid ${flag}: the description must not contain control characters`);
  if (length(value) > MAX_DESCRIPTION_LENGTH) {
    throw new UsageError(`invalid ${flag}: the description has ${length(value)} characters; at most ${MAX_DESCRIPTION_LENGTH} are allowed`);
  }
  return value;
}

/** Scopes given as repeated and/or space-separated values: split, checked, without duplicates. */
export function validateScopes(values: readonly string[], flag = '--scope'): string[] {
  const scopes = new Set<string>();
  for (const value of values) {
    for (const word of value.split(/[\s,]+/)) {
      if (word === '') continue;
      if (!SCOPE_TOKEN.test(word)) throw new UsageError(`invalid ${flag} ${quote(word)}: a scope is printable ASCII without spaces, quotes or backslashes`);
      scopes.add(word);
    }
  }
  return [...scopes];
}

/** A REF (id, client id or name) as typed: non-empty, no control characters. */
export function validateRef(value: string, what = 'REF'): string {
  if (value.trim() === '') throw new UsageError(`invalid ${what}: it must not be empty`, { hint: 'give an id, a client id or a name (see eun sa list)' });
  if (CONTROL.test(value) || length(value) > 255) {
    throw new UsageError(`invalid ${what} ${quote(value)}: an id, client id or name has at most 255 printable characters`);
  }
  return value;
}

/** A positive whole number flag (`--page`, `--limit`), up to `max`. */
export function parsePositiveInt(value: string, flag: string, max = 1_000_000): number {
  const text = value.trim();
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`invalid ${flag} ${quote(value)}: expected a whole number from 1 to ${max}`);
  }
  return Number(text);
}
