import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deps } from '../../src/core/deps.js';

/** Deps for calling core/ directly: a private config dir, and stderr/debug recorded. */
export interface RecordingDeps extends Deps {
  readonly stderrText: () => string;
  readonly debugLines: string[];
  readonly dir: string;
  cleanup(): void;
}

/** Deps whose env is `env` plus a fresh EUN_CONFIG_DIR (process.env is never touched). */
export function recordingDeps(env: Record<string, string | undefined> = {}, dir = mkdtempSync(join(tmpdir(), 'eun-secrets-'))): RecordingDeps {
  let stderr = '';
  const debugLines: string[] = [];
  return {
    env: { PATH: process.env.PATH, EUN_CONFIG_DIR: join(dir, 'config'), ...env },
    now: () => Date.now(),
    stdout: { write: () => {}, isTTY: false },
    stderr: { write: (text) => void (stderr += text), isTTY: false },
    stdinIsTTY: false,
    platform: process.platform,
    homedir: join(dir, 'home'),
    debug: (message) => void debugLines.push(message),
    stderrText: () => stderr,
    debugLines,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
