import Table from 'cli-table3';
import { sanitizeForTerminal } from '../core/errors.js';
import { colors } from './colors.js';

/**
 * Renders rows for a person: a bordered table on a terminal, tab-separated lines (with a
 * header) elsewhere, so that `| cut -f2` works. Cell text is made safe for a terminal.
 */
export function renderTable(
  headers: string[],
  rows: string[][],
  isTTY: boolean,
  /** Colours a (sanitized) cell on a terminal, e.g. a status; `column` counts from 0. */
  paint?: (column: number, cell: string) => string,
): string {
  const safe = rows.map((row) => row.map((cell) => sanitizeForTerminal(cell)));
  if (!isTTY) {
    return [headers, ...safe].map((row) => row.join('\t')).join('\n') + '\n';
  }
  const c = colors(isTTY);
  const table = new Table({
    head: headers.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    wordWrap: true,
  });
  for (const row of safe) table.push(paint ? row.map((cell, column) => paint(column, cell)) : row);
  return `${table.toString()}\n`;
}

/** Renders key/value pairs as aligned lines. */
export function renderFields(fields: Array<[string, string | undefined]>, isTTY: boolean): string {
  const c = colors(isTTY);
  const shown = fields.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${c.bold(k.padEnd(width))}  ${sanitizeForTerminal(v)}`).join('\n') + '\n';
}
