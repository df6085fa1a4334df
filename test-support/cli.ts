import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FLOCK_BIN = join(REPO, 'packages/cli/bin/flock.js');
export const REGISTRY_BIN = join(REPO, 'packages/registry/bin/flock-registry.js');
export const EXAMPLES = join(REPO, 'examples');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout split into lines, without the trailing empty one. */
  lines: string[];
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** A command to run the bin under, e.g. setpriv to drop root for permission tests. */
  wrapper?: string[];
}

/**
 * What every child process gets besides PATH: the AWS SDK's switch for its
 * once-per-process notice that later versions need Node 22, which would
 * otherwise be in the stderr of every bin that makes an S3 client.
 */
const CHILD_ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Runs a bin as a child process with a clean environment: nothing of the developer's FLOCK_* or HOME leaks in. */
export async function runBin(bin: string, args: string[], options: RunOptions): Promise<RunResult> {
  const env = await childEnv(options);
  return new Promise((resolvePromise, reject) => {
    const [command, ...argv] = [...(options.wrapper ?? []), process.execPath, bin, ...args];
    const child = spawn(command!, argv, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr, lines: stdout.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '') }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * What the `flock` binary needs to publish as a new user of `registry`: a HOME made inside `dir`
 * (so credentials and temp files stay in the test's folder), the registry's URL and the user's token.
 */
export async function publisherEnv(registry: { url: string; createUser(name: string): Promise<string> }, dir: string, user = 'your-name'): Promise<Record<string, string>> {
  const home = join(dir, 'home');
  await mkdir(home);
  return { HOME: home, FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: await registry.createUser(user) };
}

async function childEnv(options: RunOptions): Promise<Record<string, string>> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR ?? tmpdir(), ...CHILD_ENV };
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  // What the child leaves in its temp folder (flock publish keeps its docs JSON there, as the seed
  // shows) goes inside the test's own HOME, so it is removed with the test's folder.
  if (options.env?.HOME !== undefined && options.env.TMPDIR === undefined) {
    env.TMPDIR = join(options.env.HOME, '.tmp');
    await mkdir(env.TMPDIR, { recursive: true });
  }
  return env;
}

export function runFlock(args: string[], options: RunOptions): Promise<RunResult> {
  return runBin(FLOCK_BIN, args, options);
}

export interface RunningFlock {
  /** Resolves with the first match of `pattern` in stderr so far or to come. */
  stderrMatch(pattern: RegExp): Promise<RegExpExecArray>;
  signal(name: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  result: Promise<RunResult>;
}

/** The real `flock` as a running child process, for commands that wait (flock login --web): the test acts while it runs. */
export async function startFlock(args: string[], options: RunOptions): Promise<RunningFlock> {
  const env = await childEnv(options);
  const child = spawn(process.execPath, [FLOCK_BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiting = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const check of waiting) check();
  });
  child.stdin.end(options.input ?? '');
  const result = new Promise<RunResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      for (const check of waiting) check();
      resolvePromise({ code: code ?? -1, stdout, stderr, lines: stdout.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '') });
    });
  });
  return {
    stderrMatch: (pattern) => new Promise((resolvePromise, reject) => {
      const check = () => {
        const match = pattern.exec(stderr);
        if (match) {
          waiting.delete(check);
          resolvePromise(match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiting.delete(check);
          reject(new Error(`flock exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}: ${stderr}`));
        }
      };
      waiting.add(check);
      check();
    }),
    signal: (name) => child.kill(name),
    result,
  };
}

/** A temporary folder removed by `cleanup`; every test's files live in one. */
export async function tempDir(prefix = 'flock-test-'): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Copies examples/NAME (shipped in the repo) into `dir` and returns the copy's path. */
export async function copyExample(name: 'palette' | 'banner', dir: string): Promise<string> {
  const target = join(dir, name);
  await cp(join(EXAMPLES, name), target, { recursive: true });
  return target;
}

export interface SpawnedRegistry {
  url: string;
  /** Everything the server wrote to stdout (its JSON logs). */
  output(): string;
  stop(): Promise<void>;
  /** kill -9: no shutdown at all, as a crash or an OOM kill would end it. */
  kill(): Promise<void>;
}

/** The real `flock-registry serve` as a child process on 127.0.0.1 and a free port, with `env` as its whole environment. */
export async function spawnRegistry(env: Record<string, string>, cwd: string): Promise<SpawnedRegistry> {
  const child = spawn(process.execPath, [REGISTRY_BIN, 'serve', '--port', '0'], { cwd, env: { PATH: process.env.PATH ?? '', ...CHILD_ENV, ...env } });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const url = await new Promise<string>((resolvePromise, reject) => {
    let seen = '';
    child.stderr.on('data', (d: Buffer) => {
      seen += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolvePromise(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`flock-registry exited with ${code}: ${seen}`)));
  });
  return {
    url,
    output: () => stdout,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
      child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
