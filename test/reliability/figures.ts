/**
 * Figures of the reliability suite: every area counts the cases it tried and passed, the
 * time bounds it checked and held, and the requests the server saw, then prints one table
 * and merges it into `test-artifacts/reliability-figures.json`.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// No imports of the suite's helpers: print-figures.mjs loads this file with Node's type stripping.
const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
const PER_AREA = join(ARTIFACTS, 'reliability');
const MERGED = join(ARTIFACTS, 'reliability-figures.json');

/** The checks of one case: each failed check is one line naming what went wrong (never a secret). */
export class CaseChecks {
  readonly problems: string[] = [];
  boundsTried = 0;
  boundsHeld = 0;

  /** Records a problem unless `condition` holds. */
  ok(condition: boolean, problem: string): boolean {
    if (!condition) this.problems.push(problem);
    return condition;
  }

  /** Checks that `ms` stayed within `limitMs`. */
  bound(ms: number, limitMs: number, what = 'run'): void {
    this.boundsTried++;
    if (this.ok(ms <= limitMs, `${what} took ${ms} ms, bound ${limitMs} ms`)) this.boundsHeld++;
  }
}

/** What one area measured, as printed and written to JSON. */
export interface AreaReport {
  area: string;
  casesTried: number;
  casesPassed: number;
  boundsTried: number;
  boundsHeld: number;
  requests: number;
  cliRuns: number;
  maxMs: number;
  seconds: number;
  extra: Record<string, string | number>;
  failures: string[];
}

/** The figures of one area of the suite. */
export class AreaFigures {
  private tried = 0;
  private passed = 0;
  private boundsTried = 0;
  private boundsHeld = 0;
  private maxMs = 0;
  private readonly started = Date.now();
  /** Requests the server saw (token requests from the emulator's stats, management calls from a counting proxy). */
  requests = 0;
  /** CLI processes started. */
  cliRuns = 0;
  /** Area-specific figures (throughput, p99, runs killed…). */
  readonly extra: Record<string, string | number> = {};
  readonly failures: string[] = [];

  readonly area: string;

  constructor(area: string) {
    this.area = area;
  }

  /** Runs one case; an exception or a failed check fails it. Returns its problems. */
  async run(name: string, body: (c: CaseChecks) => Promise<number | void>): Promise<string[]> {
    const checks = new CaseChecks();
    this.tried++;
    const t0 = Date.now();
    try {
      await body(checks);
    } catch (err) {
      checks.problems.push(`threw ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    this.maxMs = Math.max(this.maxMs, Date.now() - t0);
    this.boundsTried += checks.boundsTried;
    this.boundsHeld += checks.boundsHeld;
    if (checks.problems.length === 0) this.passed++;
    else this.failures.push(`${name}: ${checks.problems.join('; ')}`);
    return checks.problems.map((p) => `${name}: ${p}`);
  }

  report(): AreaReport {
    return {
      area: this.area,
      casesTried: this.tried,
      casesPassed: this.passed,
      boundsTried: this.boundsTried,
      boundsHeld: this.boundsHeld,
      requests: this.requests,
      cliRuns: this.cliRuns,
      maxMs: this.maxMs,
      seconds: Math.round((Date.now() - this.started) / 100) / 10,
      extra: { ...this.extra },
      failures: [...this.failures],
    };
  }

  /** Prints this area's figures and merges them into the JSON artifact (call from afterAll). */
  publish(): void {
    const report = this.report();
    mkdirSync(PER_AREA, { recursive: true });
    writeFileSync(join(PER_AREA, `${slug(this.area)}.json`), `${JSON.stringify(report, null, 2)}\n`);
    mergeArtifacts();
    console.log(formatTable([report]));
  }
}

function slug(area: string): string {
  return area.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Merges the per-area files into one document, under a directory lock (files finish in parallel). */
function mergeArtifacts(): void {
  const lock = `${MERGED}.lock`;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) return; // another file is merging: it will include ours or the next one will
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    const areas: AreaReport[] = readdirSync(PER_AREA)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(PER_AREA, f), 'utf8')) as AreaReport)
      .sort((a, b) => a.area.localeCompare(b.area));
    const tmp = `${MERGED}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, areas }, null, 2)}\n`);
    renameSync(tmp, MERGED);
  } finally {
    rmdirSync(lock);
  }
}

/** The merged figures of the last run (all areas), or undefined when none were written. */
export function readMergedFigures(): { generatedAt: string; node: string; areas: AreaReport[] } | undefined {
  try {
    return JSON.parse(readFileSync(MERGED, 'utf8')) as { generatedAt: string; node: string; areas: AreaReport[] };
  } catch {
    return undefined;
  }
}

/** A plain-text table of area figures. */
export function formatTable(reports: AreaReport[]): string {
  const head = ['area', 'cases', 'passed', 'bounds held', 'requests', 'cli runs', 'max case ms', 's'];
  const rows = reports.map((r) => [
    r.area,
    String(r.casesTried),
    String(r.casesPassed),
    `${r.boundsHeld}/${r.boundsTried}`,
    String(r.requests),
    String(r.cliRuns),
    String(r.maxMs),
    String(r.seconds),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = ['reliability figures', line(head), ...rows.map(line)];
  for (const r of reports) {
    const extra = Object.entries(r.extra).map(([k, v]) => `${k}=${v}`);
    if (extra.length) out.push(`  ${r.area}: ${extra.join(', ')}`);
    for (const f of r.failures) out.push(`  FAILED ${r.area}: ${f}`);
  }
  return out.join('\n');
}
