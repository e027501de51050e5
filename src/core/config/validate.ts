import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

/** The two server flavors of API.md. */
export const FLAVORS = ['eunifyer', 'centrali'] as const;
export type Flavor = (typeof FLAVORS)[number];

const PROFILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const WORKSPACE_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Shows a user-supplied value in a message without letting it spoil the line. */
export function quote(value: string, max = 60): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

/** A profile name: 1–64 of `A-Za-z0-9._-` (it becomes part of file and keychain names). */
export function validateProfileName(name: string, what = 'profile name'): string {
  if (!PROFILE_NAME.test(name) || name === '.' || name === '..') {
    throw new UsageError(`invalid ${what} ${quote(name)}: use 1-64 characters of A-Z a-z 0-9 . _ -`);
  }
  return name;
}

/** A flavor: `eunifyer` or `centrali`. */
export function validateFlavor(value: string, flag = '--flavor'): Flavor {
  if ((FLAVORS as readonly string[]).includes(value)) return value as Flavor;
  throw new UsageError(`invalid ${flag} ${quote(value)}: must be one of ${FLAVORS.join(', ')}`);
}

/** A workspace slug: lowercase letters, digits and hyphens. */
export function validateWorkspace(value: string, flag = '--workspace'): string {
  if (!WORKSPACE_SLUG.test(value)) {
    throw new UsageError(
      `invalid ${flag} ${quote(value)}: a workspace slug is 1-64 lowercase letters, digits and hyphens`,
    );
  }
  return value;
}

/** True for hosts that never leave this machine: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * An issuer or API URL: absolute `https://`, or `http://` on a loopback host; no user info,
 * query or fragment. Returns it without a trailing slash.
 */
export function validateServerUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`invalid ${flag} ${quote(value)}: not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`invalid ${flag}: only https:// URLs are allowed (got ${url.protocol}//)`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `invalid ${flag}: http:// is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https://`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo the URL: it carries credentials.
    throw new UsageError(`invalid ${flag}: the URL must not contain credentials (user:password@)`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(`invalid ${flag} ${quote(value)}: the URL must not have a query or fragment`);
  }
  return url.href.replace(/\/+$/, '');
}

/** An OAuth client id as a user types it: printable, no spaces, at most 255 characters. */
export function validateClientId(value: string, flag = '--client-id'): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new UsageError(`invalid ${flag} ${quote(value)}: 1-255 printable characters without spaces`);
  }
  return value;
}
