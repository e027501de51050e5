/** Time budgets of HTTP requests, kept apart from the client so that code that only waits need not load undici. */
import type { Deps } from '../deps.js';
import { parseDuration } from '../tokens/duration.js';

/** Per-attempt and total budgets a caller may set. */
export interface BudgetOptions {
  attemptTimeoutMs?: number;
  totalTimeoutMs?: number;
}

const DEFAULT_ATTEMPT_MS = 10_000;

/** One attempt's budget (connect + headers + body): the option, else `EUN_HTTP_TIMEOUT` (e.g. 5s), else 10 s. */
export function attemptBudgetMs(deps: Pick<Deps, 'env'>, options: BudgetOptions = {}): number {
  if (options.attemptTimeoutMs !== undefined) return options.attemptTimeoutMs;
  const raw = deps.env.EUN_HTTP_TIMEOUT;
  return raw === undefined || raw === '' ? DEFAULT_ATTEMPT_MS : parseDuration(raw, 'EUN_HTTP_TIMEOUT');
}

/** The longest one request (all retries included) may take: the option, else 3 attempts' budget. */
export function requestBudgetMs(deps: Pick<Deps, 'env'>, options: BudgetOptions = {}): number {
  return options.totalTimeoutMs ?? attemptBudgetMs(deps, options) * 3;
}
