#!/usr/bin/env node
// Entry point of eun. Kept lean: no static imports, so that the version check below runs
// first on any Node (it must parse on Node 14), and so that the hot path of
// `eun token get` never loads @oclif/core.

var MIN_MAJOR = 22;
var MIN_MINOR = 19;
var parts = process.versions.node.split('.').map(Number);
if (parts[0] < MIN_MAJOR || (parts[0] === MIN_MAJOR && parts[1] < MIN_MINOR)) {
  process.stderr.write(
    'eun needs Node.js ' + MIN_MAJOR + '.' + MIN_MINOR + ' or newer (this is ' + process.versions.node + '); ' +
      'install a current Node.js from https://nodejs.org or with your version manager (e.g. nvm install 24)\n'
  );
  process.exit(1);
}

/**
 * Keeps V8's compiled code of eun and its dependencies in the user's cache directory, which
 * roughly halves the time spent loading JavaScript on later runs (NODE_DISABLE_COMPILE_CACHE=1
 * turns it off). A private directory, not the shared temp dir, so no one else can feed it.
 */
function enableCompileCache() {
  var env = process.env;
  var home = env.HOME || env.USERPROFILE;
  var root = env.EUN_CACHE_DIR || (env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME + '/eun' : home ? home + '/.cache/eun' : undefined);
  if (!root || env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    process.getBuiltinModule('node:fs').mkdirSync(root, { recursive: true, mode: 0o700 });
    process.getBuiltinModule('node:module').enableCompileCache(root + '/compile-cache');
  } catch (err) {
    // A cache we cannot write only costs speed.
  }
}

async function main() {
  enableCompileCache();
  var argv = process.argv.slice(2);
  // The hot path: `eun token get` answers from its lean module when it can (a cache hit
  // never loads oclif); it hands anything it does not understand back to oclif.
  if (argv[0] === 'token' && argv[1] === 'get') {
    var hot = await import('../dist/hot/token-get.js').catch(function () {
      return undefined; // not built (a source checkout): oclif reports what is wrong
    });
    if (hot && (await hot.run(argv.slice(2)))) return;
  }
  var oclif = await import('@oclif/core');
  await oclif.execute({ dir: import.meta.url });
}

main();
