import { describe, expect, it } from 'vitest';
import { validateAccountName, validateScopes, parsePositiveInt } from '../../src/core/accounts/validate.js';
import { readAccount, readAccountPage, readAccountWithSecret, readTokenList } from '../../src/core/accounts/wire.js';
import { NetworkError, UsageError } from '../../src/core/errors.js';

describe('reading management payloads', () => {
  const table: Array<[string, unknown, Record<string, unknown>]> = [
    ['centrali as documented', { id: 123, clientId: 'ci_a', name: 'n', scope: 'openid', createdAt: '2025-01-15T10:30:00Z', workspace: 'acme-corp' },
      { id: '123', clientId: 'ci_a', scopes: ['openid'], status: 'active', createdAt: '2025-01-15T10:30:00.000Z', workspace: 'acme-corp' }],
    ['eunifyer as documented', { id: 'sp_1', clientId: 'ci_b', name: 'n', scopes: ['a', 'b'], status: 'revoked' },
      { id: 'sp_1', clientId: 'ci_b', scopes: ['a', 'b'], status: 'revoked' }],
    ['snake_case, enabled=false, epoch ms', { id: 5, client_id: 'ci_c', name: 'n', enabled: false, created_at: 1_700_000_000_000 },
      { id: '5', clientId: 'ci_c', status: 'revoked', createdAt: '2023-11-14T22:13:20.000Z' }],
    ['wrapped in data', { data: { id: 'x', clientId: 'ci_d', name: 'n' } }, { id: 'x', clientId: 'ci_d', scopes: [] }],
  ];
  it.each(table)('reads an account: %s', (_what, body, expected) => {
    expect(readAccount(body, 'test')).toMatchObject(expected);
  });

  it('refuses what is not an account, naming the request', () => {
    for (const body of [null, 'text', [], { id: 1 }, { clientId: 'ci_x' }]) {
      expect(() => readAccount(body, 'get service account 1')).toThrow(NetworkError);
    }
    expect(() => readAccountWithSecret({ id: 1, clientId: 'ci_x' }, 'create')).toThrow(/carries no client secret/);
  });

  it('reads pages in every listed shape and knows when a listing is complete', () => {
    const one = { id: 1, clientId: 'ci_1' };
    expect(readAccountPage([one], {}, 't')).toMatchObject({ complete: true, accounts: [{ id: '1' }] });
    expect(readAccountPage({ data: [one], meta: { page: 2, limit: 1, total: 3 } }, {}, 't')).toMatchObject({ complete: false, page: 2, limit: 1, total: 3 });
    expect(readAccountPage({ items: [one] }, { page: 1, limit: 5 }, 't')).toMatchObject({ complete: true, limit: 5 });
    expect(readAccountPage({ service_principals: [one], total: '9', page: 1 }, {}, 't')).toMatchObject({ complete: false, total: 9 });
    expect(() => readAccountPage({ nothing: true }, {}, 'list')).toThrow(/answer to list/);
    expect(readTokenList({ data: [{ id: 'pat_1', name: 'k', scopes: ['a'] }] }, 't')).toEqual([{ id: 'pat_1', name: 'k', scopes: ['a'] }]);
  });
});

describe('client-side checks', () => {
  it('accepts 1-128 printable characters, counting code points', () => {
    expect(validateAccountName('a')).toBe('a');
    expect(validateAccountName('é'.repeat(128))).toHaveLength(128);
    expect(validateAccountName('🤖'.repeat(128))).toHaveLength(256); // 128 characters, 256 UTF-16 units
    for (const bad of ['', ' ', 'x'.repeat(129), 'a\tb', 'a\u0085b', 'a\u001bb']) expect(() => validateAccountName(bad)).toThrow(UsageError);
  });

  it('splits scopes on spaces and commas, drops duplicates, refuses quotes and backslashes', () => {
    expect(validateScopes(['a:read b:write', 'a:read,c'])).toEqual(['a:read', 'b:write', 'c']);
    expect(() => validateScopes(['a"b'])).toThrow(/--scope/);
    expect(() => validateScopes(['a\\b'])).toThrow(/--scope/);
  });

  it('takes whole numbers in range for --page and --limit', () => {
    expect(parsePositiveInt(' 7 ', '--page')).toBe(7);
    for (const bad of ['0', '-1', '1.5', '1e3', 'abc', '', '101']) expect(() => parsePositiveInt(bad, '--limit', 100)).toThrow(/--limit/);
  });
});
