import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CachedToken, isFresh, readCachedToken } from '../../src/core/tokens/cache.js';
import { clearCachedTokens } from '../../src/core/tokens/clear.js';
import { type TokenKey, canonicalKey, sortedWords, tokenCacheFile } from '../../src/core/tokens/key.js';
import { hashHex } from '../../src/core/tokens/hash.js';
import { testDeps } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eun-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = (clientId: string, scopes: string[] = []): TokenKey => ({ issuer: 'https://a.example', clientId, scopes, resources: [], auth: 'client_secret' });
const entry = (k: TokenKey, issuedAt: number, expiresAt: number): CachedToken => ({ version: 1, key: k, accessToken: 't', tokenType: 'Bearer', issuedAt, expiresAt });

describe('token cache', () => {
  const table: Array<[string, number, number, number, boolean]> = [
    // name, lifetime s, seconds left, --min-ttl s, fresh?
    ['900 s token, 61 s left', 900, 61, 0, true],
    ['900 s token, 59 s left (60 s margin)', 900, 59, 0, false],
    ['60 s token, 7 s left (10 % margin = 6 s)', 60, 7, 0, true],
    ['60 s token, 5 s left', 60, 5, 0, false],
    ['900 s token, 300 s left, --min-ttl 10m', 900, 300, 600, false],
    ['900 s token, 700 s left, --min-ttl 10m', 900, 700, 600, true],
    ['expired', 900, -1, 0, false],
  ];
  it.each(table)('freshness: %s', (_name, lifetime, left, minTtl, fresh) => {
    const now = 1_000_000_000;
    const e = entry(key('c'), now + (left - lifetime) * 1000, now + left * 1000);
    expect(isFresh(e, now, minTtl * 1000)).toBe(fresh);
  });

  it('keys by everything that changes the token, in a stable order', () => {
    expect(sortedWords(['b a', 'a', ' c  '])).toEqual(['a', 'b', 'c']);
    expect(canonicalKey(key('c', ['a', 'b']))).toBe(canonicalKey({ auth: 'client_secret', resources: [], scopes: ['a', 'b'], clientId: 'c', issuer: 'https://a.example' }));
    expect(canonicalKey(key('c', ['a']))).not.toBe(canonicalKey(key('c', ['a', 'b'])));
    expect(canonicalKey({ ...key('c'), audience: 'x' })).not.toBe(canonicalKey(key('c')));
    expect(canonicalKey({ ...key('c'), issuer: undefined, tokenUrl: 'https://a.example' })).not.toBe(canonicalKey(key('c')));
    expect(hashHex('abc')).toMatch(/^[0-9a-f]{32}$/);
    expect(hashHex('abc')).not.toBe(hashHex('abd'));
  });

  it('reads only a well-formed entry of the same key', () => {
    const deps = testDeps({ EUN_CACHE_DIR: dir });
    const file = tokenCacheFile(deps, key('c'));
    mkdirSync(join(dir, 'tokens'), { recursive: true });
    writeFileSync(file, JSON.stringify(entry(key('other'), 0, 8e15)));
    expect(readCachedToken(file, key('c'))).toBeUndefined(); // a hash collision is only a miss
    writeFileSync(file, JSON.stringify({ ...entry(key('c'), 0, 8e15), expiresAt: 'soon' }));
    expect(readCachedToken(file, key('c'))).toBeUndefined();
    writeFileSync(file, JSON.stringify(entry(key('c'), 0, 8e15)));
    expect(readCachedToken(file, key('c'))?.accessToken).toBe('t');
  });

  it('clears the tokens of one client, or all', async () => {
    const deps = testDeps({ EUN_CACHE_DIR: dir });
    mkdirSync(join(dir, 'tokens'), { recursive: true });
    const files = [key('a'), key('a', ['x']), key('b')].map((k) => {
      const f = tokenCacheFile(deps, k);
      writeFileSync(f, JSON.stringify(entry(k, 0, 9e15)));
      return f;
    });
    writeFileSync(`${files[0]}.lock`, '{}');
    expect(await clearCachedTokens(deps, { clientId: 'a' })).toBe(2);
    expect(files.map((f) => existsSync(f))).toEqual([false, false, true]);
    expect(existsSync(`${files[0]}.lock`)).toBe(true); // a lock belongs to its owner
    expect(await clearCachedTokens(deps, {})).toBe(0);
    expect(await clearCachedTokens(deps, { all: true })).toBe(1);
    expect(existsSync(files[2] as string)).toBe(false);
    expect(await clearCachedTokens(testDeps({ EUN_CACHE_DIR: join(dir, 'none') }), { all: true })).toBe(0);
  });
});
