import type { CommandContext } from '../context.js';

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
}

/** One CLI command: main.ts registers it with commander, and prints nothing itself. */
export interface CommandSpec<Options = Record<string, unknown>> {
  name: string;
  /** Positional arguments, commander syntax: "<name>" or "[words...]". */
  args?: string;
  summary: string;
  options?: OptionSpec[];
  /** A command group (`flock token create`): its subcommands; `run` then serves the bare group name. */
  subcommands?: CommandSpec<any>[];
  run(args: string[], options: Options, ctx: CommandContext): Promise<number>;
}
