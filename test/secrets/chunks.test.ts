import { describe, expect, test } from 'vitest';
import {
  DamagedEntryError,
  deleteChunked,
  isPieceAccount,
  readChunked,
  splitValue,
  writeChunked,
  type EntryBackend,
} from '../../src/core/secrets/chunks.js';
import type { SecretRef } from '../../src/core/secrets/types.js';

/** An in-memory keychain that, like Windows, refuses entries above `maxBytes` (UTF-16). */
function memoryKeychain(maxBytes = 2560) {
  const entries = new Map<string, string>();
  const key = (ref: SecretRef) => `${ref.service}\n${ref.account}`;
  const backend: EntryBackend & { entries: Map<string, string> } = {
    entries,
    async get(ref) {
      return entries.get(key(ref));
    },
    async set(ref, value) {
      if (value.length * 2 > maxBytes) throw new Error(`entry too large: ${value.length * 2} bytes`);
      entries.set(key(ref), value);
    },
    async delete(ref) {
      return entries.delete(key(ref));
    },
  };
  return backend;
}

const ref: SecretRef = { service: 'eun:default@auth.example.com', account: 'session' };

describe('splitValue', () => {
  test('cuts at the limit and joins back to the same string', () => {
    const value = 'abcdefghij'.repeat(30);
    const pieces = splitValue(value, 64);
    expect(pieces.every((p) => p.length <= 64)).toBe(true);
    expect(pieces.join('')).toBe(value);
    expect(pieces).toHaveLength(Math.ceil(value.length / 64));
  });

  test('never cuts a surrogate pair in two', () => {
    // 'a' then emoji (two code units each): every odd cut would land inside a pair.
    const value = `a${'😀'.repeat(50)}`;
    const pieces = splitValue(value, 4);
    // A lone surrogate at either end of a piece would mean a pair was cut.
    for (const piece of pieces) expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    expect(pieces.join('')).toBe(value);
  });
});

describe('chunked keychain values (Windows-size entries)', () => {
  const sizes = [0, 1, 1279, 1280, 1281, 2560, 10_000];
  test.each(sizes)('a %i-character value round-trips and every entry fits 2,560 bytes', async (length) => {
    const keychain = memoryKeychain(2560);
    const value = 'x'.repeat(length);
    await writeChunked(keychain, ref, value, 2560);
    expect(await readChunked(keychain, ref)).toBe(value);
    for (const stored of keychain.entries.values()) expect(stored.length * 2).toBeLessThanOrEqual(2560);
    expect(keychain.entries.size).toBe(length * 2 > 2560 ? 1 + Math.ceil(length / 1280) : 1);
  });

  test('a JWT-sized session with non-ASCII text round-trips through small entries', async () => {
    const keychain = memoryKeychain(64);
    const value = JSON.stringify({ refreshToken: 'r'.repeat(300), note: 'Grüße 😀 ünïcödé'.repeat(5) });
    await writeChunked(keychain, ref, value, 64);
    expect(await readChunked(keychain, ref)).toBe(value);
  });

  test('replacing a long value removes the old pieces; a short one needs none', async () => {
    const keychain = memoryKeychain(100);
    await writeChunked(keychain, ref, 'a'.repeat(500), 100);
    const firstPieces = [...keychain.entries.keys()].filter((k) => isPieceAccount(k));
    expect(firstPieces.length).toBe(10);
    await writeChunked(keychain, ref, 'b'.repeat(300), 100);
    expect([...keychain.entries.keys()].filter((k) => firstPieces.includes(k))).toEqual([]);
    expect(await readChunked(keychain, ref)).toBe('b'.repeat(300));
    await writeChunked(keychain, ref, 'short', 100);
    expect(keychain.entries.size).toBe(1);
    expect(await readChunked(keychain, ref)).toBe('short');
  });

  test('a value that looks like a chunk header is stored unambiguously', async () => {
    const keychain = memoryKeychain();
    const value = 'eun-chunked:v1:0123abcd:2:10';
    await writeChunked(keychain, ref, value, undefined);
    expect(await readChunked(keychain, ref)).toBe(value);
  });

  test('delete removes the value and its pieces, and says whether there was one', async () => {
    const keychain = memoryKeychain(100);
    await writeChunked(keychain, ref, 'z'.repeat(400), 100);
    expect(await deleteChunked(keychain, ref)).toBe(true);
    expect(keychain.entries.size).toBe(0);
    expect(await deleteChunked(keychain, ref)).toBe(false);
    expect(await readChunked(keychain, ref)).toBeUndefined();
  });

  test('a reader racing a writer sees the old value or the new one, never a mix', async () => {
    const keychain = memoryKeychain(100);
    const oldValue = 'o'.repeat(500);
    const newValue = 'n'.repeat(700);
    await writeChunked(keychain, ref, oldValue, 100);
    // The reader pauses after reading the header; meanwhile the writer replaces everything.
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const slowReader: EntryBackend = {
      ...keychain,
      async get(r) {
        const value = await keychain.get(r);
        if (reads++ === 0) await paused;
        return value;
      },
    };
    const reading = readChunked(slowReader, ref);
    await writeChunked(keychain, ref, newValue, 100);
    release();
    expect([oldValue, newValue]).toContain(await reading);
  });

  test('missing pieces are reported as a damaged entry, not returned as a value', async () => {
    const keychain = memoryKeychain(100);
    await writeChunked(keychain, ref, 'p'.repeat(400), 100);
    const piece = [...keychain.entries.keys()].find((k) => isPieceAccount(k))!;
    keychain.entries.delete(piece);
    await expect(readChunked(keychain, ref)).rejects.toBeInstanceOf(DamagedEntryError);
  });
});
