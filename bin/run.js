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

async function main() {
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
