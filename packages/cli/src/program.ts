import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, homedir } from 'node:os';
import type { Command } from 'commander';
// The narrow entry point: @flock/core's index also loads the docs renderers (marked, sanitize-html).
import { isFlockError } from '@flock/core/errors';
import { COMMANDS, optionsOf } from './commands/index.js';
import type { CommandSpec } from './commands/types.js';
import { CliExit, type CommandContext } from './context.js';
import { PROGRAM_DESCRIPTION, VERSION_DESCRIPTION } from './quick-help.js';

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
    // Loaded when asked for: node:readline is not needed by most commands.
    readSecret: async (prompt) => (await import('./prompt.js')).readSecret(prompt),
    isTerminal: Boolean(process.stdin.isTTY),
    ...(process.stderr.isTTY ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
  };
}

/**
 * Usage errors become one line that points at the command's help, instead of
 * commander's message followed by the whole help. --help (and a bare `flock`,
 * which prints the help on stderr) pass through with commander's exit code.
 */
function oneLineUsageErrors(command: Command): void {
  command.exitOverride((error) => {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') throw error;
    // "error: unknown command 'instal'\n(Did you mean install?)" → one sentence.
    const text = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    const path = [];
    for (let c: Command | null = command; c; c = c.parent) path.unshift(c.name());
    throw new CliExit(`${text.charAt(0).toUpperCase()}${text.slice(1)} (see ${path.join(' ')} --help)`);
  });
}

function register(parent: Command, spec: CommandSpec, ctx: CommandContext, networked = false): void {
  const command = parent.command(spec.args ? `${spec.name} ${spec.args}` : spec.name).description(spec.summary);
  oneLineUsageErrors(command);
  // A group (`flock token`) runs bare, so commander would call `flock token frob` "too many arguments":
  // the action names the unknown subcommand instead. Set on every command, since subcommands inherit it.
  command.allowExcessArguments(spec.subcommands !== undefined);
  for (const option of optionsOf(spec, networked)) {
    if (option.repeatable) command.option(option.flags, option.description, (value: string, previous: string[]) => [...previous, value], [] as string[]);
    else command.option(option.flags, option.description, option.default as string);
  }
  for (const sub of spec.subcommands ?? []) register(command, sub, ctx, networked || spec.networked === true);
  command.action(async (...params: unknown[]) => {
    if (spec.subcommands && command.args.length > 0) command.error(`error: unknown command '${command.args[0]}'`, { code: 'commander.unknownCommand' });
    // commander passes the positional arguments, then the options object, then the command. A group's
    // options (--registry) are parsed by the group wherever they stand (`flock token list --registry URL`),
    // so a subcommand reads them merged with its own.
    const options = command.optsWithGlobals();
    const args = params.slice(0, -2).flat() as string[];
    const registry = options.registry as string | undefined;
    process.exitCode = await spec.run(args, options, registry === undefined ? ctx : { ...ctx, registryFlag: registry });
  });
}

// What flock was doing, by the failing call's syscall; only these count as
// file-system errors (a network error also has a code and a syscall).
const FS_VERBS: Record<string, string> = {
  open: 'open', read: 'read', scandir: 'read', opendir: 'read', readlink: 'read', write: 'write', copyfile: 'write',
  mkdir: 'create the folder', mkdtemp: 'create a temporary folder in', rename: 'write', unlink: 'remove', rmdir: 'remove',
  rm: 'remove', stat: 'access', lstat: 'access', access: 'access', realpath: 'access', chmod: 'change the mode of', utime: 'write',
};

const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder',
  ENOENT: 'no such file or folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
};

/** One line for a file-system error (EACCES, EISDIR, ENOSPC, …), naming the path; null for anything else. */
function describeFsError(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException & { dest?: string };
  if (!(error instanceof Error) || typeof e.code !== 'string' || typeof e.syscall !== 'string') return null;
  const verb = FS_VERBS[e.syscall];
  if (verb === undefined) return null;
  let reason = FS_REASONS[e.code];
  if (e.code === 'EEXIST') reason = e.syscall === 'mkdir' ? 'it already exists and is not a folder' : 'it already exists';
  if (e.code === 'ENOTDIR') reason = verb === 'read' ? 'it is not a folder' : 'a folder on its path is a file';
  // Other codes: Node's own words ("EBUSY: resource busy or locked, open '…'" → "resource busy or locked").
  reason ??= /^[A-Z0-9]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code;
  return `Cannot ${verb} ${e.dest ?? e.path ?? 'a file'}: ${reason}`;
}

/** This CLI's version, from its package.json (dist/program.js → ../package.json). */
function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Runs the command line with commander: the only place that prints errors and sets the exit code. */
export async function main(): Promise<void> {
  // Through require: commander's ESM entry wraps the CommonJS one, which Node then parses for its
  // exports first, and that took about half of commander's load time.
  const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof import('commander');
  const ctx = createContext();
  // Commander's own error output is off: oneLineUsageErrors turns its errors into CliExit, printed below.
  // Set before the commands are registered, since they copy it.
  const program = new Command('flock').description(PROGRAM_DESCRIPTION).configureOutput({ outputError: () => {} });
  program.version(`flock ${cliVersion()}`, '--version', VERSION_DESCRIPTION);
  oneLineUsageErrors(program);
  for (const spec of COMMANDS) register(program, spec, ctx);
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const fsMessage = describeFsError(error);
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
    } else if (error instanceof CliExit) {
      ctx.err(error.message);
      process.exitCode = error.exitCode;
    } else if (isFlockError(error)) {
      ctx.err(error.message);
      process.exitCode = 1;
    } else if (fsMessage !== null) {
      ctx.err(fsMessage);
      process.exitCode = 1;
    } else {
      ctx.err(`flock: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
      process.exitCode = 70;
    }
  }
}
