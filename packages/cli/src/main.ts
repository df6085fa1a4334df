import { tmpdir, homedir } from 'node:os';
import { Command } from 'commander';
import { isFlockError } from '@flock/core';
import { docCommand } from './commands/doc.js';
import { initCommand } from './commands/init.js';
import { loginCommand } from './commands/login.js';
import { publishCommand } from './commands/publish.js';
import type { CommandSpec } from './commands/types.js';
import { whoamiCommand } from './commands/whoami.js';
import { accessCommand } from './commands/access.js';
import { addCommand } from './commands/add.js';
import { installCommand } from './commands/install.js';
import { removeCommand } from './commands/remove.js';
import { searchCommand } from './commands/search.js';
import { showCommand } from './commands/show.js';
import { yankCommand } from './commands/yank.js';
import { CliExit, type CommandContext } from './context.js';
import { readSecret } from './prompt.js';

const COMMANDS: CommandSpec<any>[] = [
  initCommand, docCommand, loginCommand, whoamiCommand, publishCommand,
  searchCommand, showCommand, addCommand, removeCommand, installCommand, yankCommand, accessCommand,
];

function createContext(): CommandContext {
  return {
    cwd: process.cwd(),
    env: process.env,
    home: process.env.HOME || homedir(),
    tmpdir: tmpdir(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readSecret: (prompt) => readSecret(prompt),
    isTerminal: Boolean(process.stdin.isTTY),
    ...(process.stderr.isTTY ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
  };
}

/** The only place that prints errors and sets the exit code. */
async function main(): Promise<void> {
  const ctx = createContext();
  const program = new Command('flock').description('The Kestrel package manager').showHelpAfterError();
  for (const spec of COMMANDS) {
    const command = program.command(spec.args ? `${spec.name} ${spec.args}` : spec.name).description(spec.summary);
    for (const option of spec.options ?? []) command.option(option.flags, option.description, option.default as string);
    command.action(async (...params: unknown[]) => {
      // commander passes the positional arguments, then the options object, then the command.
      const options = params[params.length - 2] as Record<string, unknown>;
      const args = params.slice(0, -2).flat() as string[];
      process.exitCode = await spec.run(args, options, ctx);
    });
  }
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CliExit) {
      ctx.err(error.message);
      process.exitCode = error.exitCode;
    } else if (isFlockError(error)) {
      ctx.err(error.message);
      process.exitCode = 1;
    } else {
      ctx.err(`flock: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
      process.exitCode = 70;
    }
  }
}

await main();
