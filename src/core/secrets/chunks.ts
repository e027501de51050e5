/**
 * Values longer than one keychain entry can hold (Windows: 2,560 bytes of UTF-16) are split
 * over several entries: the entry itself holds a header naming a generation and a count, and
 * the pieces live under `ACCOUNT#GEN.1`, `ACCOUNT#GEN.2`, …. A new value gets a new
 * generation and its header is written last, so a reader sees the old value or the new one,
 * never a mix; the old pieces are removed after.
 */
import { randomBytes } from 'node:crypto';
import type { SecretRef } from './types.js';

/** Single-entry operations, as the keychain offers them. */
export interface EntryBackend {
  get(ref: SecretRef): Promise<string | undefined>;
  set(ref: SecretRef, value: string): Promise<void>;
  delete(ref: SecretRef): Promise<boolean>;
}

/** A chunked value whose pieces are missing or do not add up. */
export class DamagedEntryError extends Error {
  constructor(readonly ref: SecretRef, why: string) {
    super(why);
    this.name = 'DamagedEntryError';
  }
}

const PREFIX = 'eun-chunked:v1:';
const HEADER = /^eun-chunked:v1:([0-9a-f]{8}):([1-9][0-9]{0,4}):([0-9]{1,9})$/;
const PIECE = /#[0-9a-f]{8}\.[0-9]+$/;

interface Header {
  gen: string;
  count: number;
  length: number;
}

function parseHeader(value: string): Header | undefined {
  const match = HEADER.exec(value);
  if (!match) return undefined;
  return { gen: match[1]!, count: Number(match[2]), length: Number(match[3]) };
}

/** The account of piece `index` (from 1) of generation `gen`. */
export function pieceAccount(account: string, gen: string, index: number): string {
  return `${account}#${gen}.${index}`;
}

/** True for the account of a piece (which `clear` removes along with its header). */
export function isPieceAccount(account: string): boolean {
  return PIECE.test(account);
}

/**
 * Splits `value` into pieces of at most `maxUnits` UTF-16 code units each, never between the
 * two halves of a surrogate pair (the keychain would store a replacement character).
 */
export function splitValue(value: string, maxUnits: number): string[] {
  if (maxUnits < 2) throw new RangeError('maxUnits must be at least 2');
  const pieces: string[] = [];
  let start = 0;
  while (start < value.length) {
    let end = Math.min(start + maxUnits, value.length);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(value.slice(start, end));
    start = end;
  }
  return pieces;
}

/** True when `value` must be split to fit entries of `maxBytes` (UTF-16) bytes. */
function mustSplit(value: string, maxBytes: number | undefined): boolean {
  // A value that looks like a header is always split, so that a header is never ambiguous.
  if (value.startsWith(PREFIX)) return true;
  return maxBytes !== undefined && value.length * 2 > maxBytes;
}

async function readPieces(backend: EntryBackend, ref: SecretRef, header: Header): Promise<string | undefined> {
  const pieces: string[] = [];
  for (let i = 1; i <= header.count; i++) {
    const piece = await backend.get({ service: ref.service, account: pieceAccount(ref.account, header.gen, i) });
    if (piece === undefined) return undefined;
    pieces.push(piece);
  }
  return pieces.join('');
}

/** Reads a value that may be split over several entries. */
export async function readChunked(backend: EntryBackend, ref: SecretRef): Promise<string | undefined> {
  // Twice: a writer may replace the value (and remove the old pieces) while we read.
  for (let attempt = 0; attempt < 2; attempt++) {
    const head = await backend.get(ref);
    if (head === undefined || !head.startsWith(PREFIX)) return head;
    const header = parseHeader(head);
    if (!header) throw new DamagedEntryError(ref, 'its header is unreadable');
    const value = await readPieces(backend, ref, header);
    if (value === undefined) continue;
    if (value.length !== header.length) throw new DamagedEntryError(ref, 'its pieces do not add up');
    return value;
  }
  throw new DamagedEntryError(ref, 'some of its pieces are missing');
}

async function removePieces(backend: EntryBackend, ref: SecretRef, head: string | undefined): Promise<void> {
  const header = head === undefined ? undefined : parseHeader(head);
  if (!header) return;
  for (let i = 1; i <= header.count; i++) {
    await backend.delete({ service: ref.service, account: pieceAccount(ref.account, header.gen, i) });
  }
}

/**
 * Writes `value`, split when it does not fit `maxBytes` (undefined: no limit). Callers
 * serialise writers of one store: two writers splitting the same entry at once would leave
 * orphan pieces.
 */
export async function writeChunked(
  backend: EntryBackend,
  ref: SecretRef,
  value: string,
  maxBytes: number | undefined,
): Promise<void> {
  const previous = await backend.get(ref);
  if (!mustSplit(value, maxBytes)) {
    await backend.set(ref, value);
  } else {
    const gen = randomBytes(4).toString('hex');
    const pieces = splitValue(value, Math.floor((maxBytes ?? Number.MAX_SAFE_INTEGER) / 2));
    for (const [i, piece] of pieces.entries()) {
      await backend.set({ service: ref.service, account: pieceAccount(ref.account, gen, i + 1) }, piece);
    }
    // Last: until the header is in place, readers still see the previous value.
    await backend.set(ref, `${PREFIX}${gen}:${pieces.length}:${value.length}`);
  }
  await removePieces(backend, ref, previous);
}

/** Removes a value and its pieces; `false` when there was none. */
export async function deleteChunked(backend: EntryBackend, ref: SecretRef): Promise<boolean> {
  const previous = await backend.get(ref);
  const deleted = await backend.delete(ref);
  await removePieces(backend, ref, previous);
  return deleted;
}
