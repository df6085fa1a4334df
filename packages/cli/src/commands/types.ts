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
  run(args: string[], options: Options, ctx: CommandContext): Promise<number>;
}
