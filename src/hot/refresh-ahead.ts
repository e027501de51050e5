/**
 * Entry point of the detached refresh-ahead process (started by refresh-spawn.ts): mints the
 * successor of a cached token in its refresh window, then exits. argv[2] is the token target
 * as JSON (client id, issuer, scopes: nothing secret); the secret comes from the environment
 * or the store, as for any mint. Its output goes nowhere: a failure is left for the next
 * `eun token get --verbose` in the token's `.refresh` file.
 */
import type { TokenTarget } from '../core/tokens/credentials.js';
import { refreshAhead } from '../core/tokens/refresh-ahead.js';
import { enableCompileCache, hotDeps } from './deps.js';

const deps = hotDeps(false);
let target: TokenTarget | undefined;
try {
  target = JSON.parse(process.argv[2] ?? '') as TokenTarget;
} catch {
  target = undefined;
}
if (target && typeof target.key?.clientId === 'string' && Array.isArray(target.key.scopes) && Array.isArray(target.key.resources)) {
  enableCompileCache(deps);
  await refreshAhead(deps, target);
} else {
  process.exitCode = 2;
}
