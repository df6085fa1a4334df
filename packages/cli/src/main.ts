import { COMMANDS } from './commands/index.js';
import { quickHelp } from './quick-help.js';

// The entry point. `flock --help` alone is answered here, from the list of commands, before commander
// and the rest of the CLI load (each module loaded costs start-up time); everything else runs in
// program.ts. (`flock --version` alone is answered by bin/flock.js, before even this module loads.)
const args = process.argv.slice(2);
const help = args.length === 1 && (args[0] === '--help' || args[0] === '-h') ? quickHelp(COMMANDS, process.stdout.isTTY ? process.stdout.columns : 80) : null;
if (help !== null) process.stdout.write(help);
else await (await import('./program.js')).main();
