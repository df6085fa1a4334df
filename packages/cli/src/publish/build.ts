import { spawn } from 'node:child_process';
import { CliExit, type CommandContext } from '../context.js';

/**
 * Runs a package's `[build] command` in `cwd`. The command is the author's
 * own shell line, so it goes to `sh -c` (unlike git, which never sees a shell).
 * Its stdout and stderr stream to our stderr, keeping our stdout to the lines
 * the seed shows. A failing build stops with the build's own exit code.
 * The build runs in its own process group so Ctrl-C can stop all of it.
 */
export function runBuild(command: string, cwd: string, ctx: CommandContext): Promise<void> {
  return new Promise((resolve, reject) => {
    // The build is the package's code, not ours: it does not get the publish token.
    const { FLOCK_TOKEN: _token, ...env } = ctx.env;
    const child = spawn('sh', ['-c', command], { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const unregister = ctx.onInterrupt(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    });
    const flushOut = streamLines(child.stdout, ctx.err);
    const flushErr = streamLines(child.stderr, ctx.err);
    child.on('error', (error) => {
      unregister();
      reject(error);
    });
    child.on('close', (code, signal) => {
      unregister();
      flushOut();
      flushErr();
      if (code === 0) return resolve();
      const exit = code ?? 1;
      reject(new CliExit(`Build failed (\`${command}\` exited with ${signal ?? `code ${exit}`})`, exit));
    });
  });
}

/** Forwards complete lines as they arrive; the returned function flushes a last unterminated line. */
function streamLines(stream: NodeJS.ReadableStream, write: (line: string) => void): () => void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) write(line);
  });
  return () => {
    if (pending !== '') write(pending);
    pending = '';
  };
}
