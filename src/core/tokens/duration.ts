import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `90s`, `10m`, `1h`, `1h30m` or `250ms` (a bare number is
 * seconds) into milliseconds; anything else is a UsageError naming `what`.
 */
export function parseDuration(text: string, what: string): number {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(value) ? value.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d)/g) : null;
  if (!parts) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(value.slice(0, 40))}: use a duration such as 90s, 10m or 1h`);
  }
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(part) as RegExpExecArray;
    total += Number(amount) * (UNIT_MS[unit as string] as number);
  }
  return Math.round(total);
}
