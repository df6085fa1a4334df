import type { CommandContext } from '../context.js';

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
  /** May be given more than once (`--claim a=b --claim c=d`): the command gets every value, in order, as an array. */
  repeatable?: boolean;
}

/** What a command does: positional arguments, commander's options object, the context; resolves to the exit code. */
export type Run<Options = Record<string, unknown>> = (args: string[], options: Options, ctx: CommandContext) => Promise<number>;

/** One CLI command as main.ts registers it with commander; it prints nothing itself. */
export interface CommandSpec {
  name: string;
  /** Positional arguments, commander syntax: "<name>" or "[words...]". */
  args?: string;
  summary: string;
  options?: OptionSpec[];
  /** A command group (`flock token create`): its subcommands; `run` then serves the bare group name. */
  subcommands?: CommandSpec[];
  /**
   * Talks to a registry: program.ts gives it a `--registry <url>` option (a
   * group passes it to its subcommands). Offline commands leave it out.
   */
  networked?: boolean;
  /** Has a `--json` option; the text is the shape it prints, for --help and the README. */
  json?: string;
  run: Run<any>;
}
