/**
 * Starts the refresh-ahead process of a token (src/hot/refresh-ahead.ts). It is detached, in
 * its own session, with no stdio of ours and unreferenced: `$(eun token get)` waits for every
 * process that holds its stdout, and a Ctrl-C in the caller's terminal must not reach it.
 * Only built-ins through getBuiltinModule: this runs on the hot path.
 */
import type { TokenTarget } from '../core/tokens/credentials.js';

/** Spawns the detached process that mints the successor of `target`'s cached token. */
export function spawnRefresh(target: TokenTarget): void {
  try {
    const { spawn } = process.getBuiltinModule('node:child_process');
    const { fileURLToPath } = process.getBuiltinModule('node:url');
    const script = fileURLToPath(new URL('./refresh-ahead.js', import.meta.url));
    const child = spawn(process.execPath, [script, JSON.stringify(target)], { detached: true, stdio: 'ignore', env: process.env, windowsHide: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No refresh this time: the claim expires on its own (refresh-state.ts) and the next caller tries.
  }
}
