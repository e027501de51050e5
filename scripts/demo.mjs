#!/usr/bin/env node
// The quick start's main job. It grows with the product: for now it shows what eun offers.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const bin = join(resolve(import.meta.dirname, '..'), 'bin', 'run.js');
const env = { ...process.env };
delete env.NODE_ENV;
console.log('$ eun --help');
const r = spawnSync(process.execPath, [bin, '--help'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
