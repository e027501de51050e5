import { UsageError } from '../core/errors.js';

/** Reads standard input to its end (at most `maxBytes`), for secrets piped in. */
export async function readStdin(maxBytes = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new UsageError(`standard input is larger than ${Math.round(maxBytes / 1024)} KiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
