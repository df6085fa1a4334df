import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock, tempDir } from '../../../test-support/cli.js';

// A usage error is one line pointing at the command's help, not the whole help after it.
describe('usage errors', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  const flock = (args: string[]) => runFlock(args, { cwd: dir.path, env: { HOME: dir.path } });

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.cleanup());

  it.each([
    [['show'], "Missing required argument 'package' (see flock show --help)"],
    [['whoami', 'extra'], "Too many arguments for 'whoami'. Expected 0 arguments but got 1. (see flock whoami --help)"],
    [['token', 'frob'], "Unknown command 'frob' (see flock token --help)"],
    [['org', 'store', 'frob'], "Unknown command 'frob' (see flock org store --help)"],
    [['token', 'revoke'], "Missing required argument 'token' (see flock token revoke --help)"],
    [['install', '--frob'], "Unknown option '--frob' (Did you mean --frozen?) (see flock install --help)"],
    [['instal'], "Unknown command 'instal' (Did you mean install?) (see flock --help)"],
  ])('flock %j', async (args, line) => {
    const result = await flock(args);
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
  });

  it('--help still prints the help, with exit 0', async () => {
    for (const args of [['--help'], ['show', '--help'], ['token', '--help'], ['help', 'add']]) {
      const result = await flock(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: flock /);
      expect(result.stderr).toBe('');
    }
  });
});
