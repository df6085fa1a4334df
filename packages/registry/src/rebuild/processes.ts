import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  /** The last bytes of stderr (bounded), for a one-line reason. */
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

/** What is kept of a child's stderr: enough for its last lines, never a child's whole output in memory. */
const MAX_STDERR = 64 * 1024;

/** How long a child stopped by a timeout or SIGTERM gets to clean up (flock removes its temp files on SIGINT) before SIGKILL. */
const GRACE_MS = 5_000;

/**
 * Runs `command` with an argument list (never a shell) in its own process
 * group, with a time limit. On the limit or on `signal`, the whole group gets
 * SIGINT (flock's interrupt clean-up stops its build and removes its temp
 * folders), then SIGKILL after a grace period. stdout is discarded.
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    let killer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      signalGroup(child.pid, 'SIGINT');
      killer ??= setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_STDERR);
    });
    const done = (code: number | null) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stderr, timedOut, aborted });
    };
    child.on('error', (error) => {
      stderr += `${error.message}\n`;
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The last non-empty line of a child's stderr, without control characters and at most 300 characters: a one-line reason. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()).filter(Boolean);
  const line = lines.at(-1) ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Whether `unshare -n` works here (root, or user namespaces allowed): the build then runs without network. */
export async function canUnshareNetwork(path: string): Promise<boolean> {
  const result = await runProcess('unshare', ['-n', 'true'], { cwd: '/', env: { PATH: path }, timeoutMs: 10_000 });
  return result.code === 0;
}
