import { tmpdir, homedir } from 'node:os';
import { Command } from 'commander';
import { isFlockError } from '@flock/core';
import { docCommand } from './commands/doc.js';
import { initCommand } from './commands/init.js';
import { loginCommand } from './commands/login.js';
import { orgCommand } from './commands/org.js';
import { publishCommand } from './commands/publish.js';
import { verifyCommand } from './commands/verify.js';
import { tokenCommand } from './commands/token.js';
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
  initCommand, docCommand, loginCommand, whoamiCommand, publishCommand, verifyCommand,
  searchCommand, showCommand, addCommand, removeCommand, installCommand, yankCommand, accessCommand,
  tokenCommand, orgCommand,
];

const interruptCleanups = new Set<() => void>();

// Ctrl-C: run every registered cleanup (temporary clones, build processes), then exit 130 as shells expect.
function onSigint(): void {
  for (const cleanup of interruptCleanups) {
    try {
      cleanup();
    } catch {
      // Keep cleaning up the rest; we are exiting anyway.
    }
  }
  process.exit(130);
}

function onInterrupt(cleanup: () => void): () => void {
  if (interruptCleanups.size === 0) process.on('SIGINT', onSigint);
  interruptCleanups.add(cleanup);
  return () => {
    interruptCleanups.delete(cleanup);
    if (interruptCleanups.size === 0) process.off('SIGINT', onSigint);
  };
}

function createContext(): CommandContext {
  return {
    onInterrupt,
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

function register(parent: Command, spec: CommandSpec<any>, ctx: CommandContext): void {
  const command = parent.command(spec.args ? `${spec.name} ${spec.args}` : spec.name).description(spec.summary);
  for (const option of spec.options ?? []) command.option(option.flags, option.description, option.default as string);
  for (const sub of spec.subcommands ?? []) register(command, sub, ctx);
  command.action(async (...params: unknown[]) => {
    // commander passes the positional arguments, then the options object, then the command.
    const options = params[params.length - 2] as Record<string, unknown>;
    const args = params.slice(0, -2).flat() as string[];
    process.exitCode = await spec.run(args, options, ctx);
  });
}

/** The only place that prints errors and sets the exit code. */
async function main(): Promise<void> {
  const ctx = createContext();
  const program = new Command('flock').description('The Kestrel package manager').showHelpAfterError();
  for (const spec of COMMANDS) register(program, spec, ctx);
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
