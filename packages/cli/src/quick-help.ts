import { optionsOf } from './commands/index.js';
import type { CommandSpec } from './commands/types.js';

export const PROGRAM_DESCRIPTION = 'The Kestrel package manager';
export const VERSION_DESCRIPTION = 'print the version';
// commander's own words for its help option and help command.
const HELP_DESCRIPTION = 'display help for command';

/**
 * The text of `flock --help` without loading commander, which (with every
 * command registered) took about as long as starting node: the same lines
 * commander prints for `flock help`, as long as no description needs wrapping
 * at `helpWidth` columns; otherwise null, and commander formats it. The
 * start-up test pins the two texts as equal.
 */
export function quickHelp(commands: CommandSpec[], helpWidth: number): string | null {
  const options: Array<[string, string]> = [['--version', VERSION_DESCRIPTION], ['-h, --help', HELP_DESCRIPTION]];
  const subcommands: Array<[string, string]> = commands.map((c) => [`${c.name}${optionsOf(c).length ? ' [options]' : ''}${c.args ? ` ${c.args}` : ''}`, c.summary]);
  subcommands.push(['help [command]', HELP_DESCRIPTION]);
  const items = [...options, ...subcommands];
  const termWidth = Math.max(...items.map(([term]) => term.length));
  // commander wraps a description only when it has at least 40 columns (two spaces of indent, two between).
  const room = helpWidth - termWidth - 4;
  if (room >= 40 && [PROGRAM_DESCRIPTION, ...items.map(([, description]) => description)].some((d) => d.length > room)) return null;
  const line = ([term, description]: [string, string]) => `  ${term.padEnd(termWidth)}  ${description}`;
  return ['Usage: flock [options] [command]', '', PROGRAM_DESCRIPTION, '', 'Options:', ...options.map(line), '', 'Commands:', ...subcommands.map(line), ''].join('\n');
}
