import { Errors, type Hook, toConfiguredId } from '@oclif/core';
import { sanitizeForTerminal } from '../core/errors.js';

/** Edit distance between two command ids. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Without a terminal, plugin-not-found only points at help; this names the closest command,
 * so a script's log says what was meant, and makes an unknown command a usage error (exit 2).
 * On a terminal plugin-not-found asks whether to run the suggestion.
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  if (process.stdin.isTTY) return;
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const best = ids
    .map((id) => ({ id, d: distance(opts.id, id) }))
    .sort((x, y) => x.d - y.d)[0];
  const typed = sanitizeForTerminal(toConfiguredId(opts.id, opts.config));
  const suggestion =
    best && best.d <= Math.max(2, Math.floor(opts.id.length / 3))
      ? ` Did you mean "${opts.config.bin} ${toConfiguredId(best.id, opts.config)}"?`
      : '';
  process.stderr.write(`eun: "${typed}" is not a ${opts.config.bin} command.${suggestion}\n`);
  Errors.exit(2);
};

export default hook;
