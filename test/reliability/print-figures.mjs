// Prints the figures table of the last reliability run (test-artifacts/reliability-figures.json),
// all areas together: `node test/reliability/print-figures.mjs`. Exits 1 when there are none
// or when an area had failures.
import { formatTable, readMergedFigures } from './figures.ts';

const merged = readMergedFigures();
if (!merged) {
  process.stderr.write('no reliability figures: run npx vitest run test/reliability first\n');
  process.exit(1);
}
process.stdout.write(`${formatTable(merged.areas)}\n(${merged.generatedAt}, Node ${merged.node})\n`);
process.exitCode = merged.areas.some((a) => a.failures.length > 0) ? 1 : 0;
