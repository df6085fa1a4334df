#!/usr/bin/env node
// CommonJS (see package.json here): `flock --version` alone, which scripts call to check the client,
// answers before Node starts its ES module loader, which alone costs a third of starting node.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`flock ${require('../package.json').version}\n`);
} else {
  import('../dist/main.js');
}
