import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock, tempDir } from '../../../test-support/cli.js';

const run = promisify(execFile);

describe('flock completions', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let script: string;
  beforeAll(async () => {
    dir = await tempDir();
    const result = await runFlock(['completions', 'bash'], { cwd: dir.path, env: { HOME: dir.path } });
    expect([result.code, result.stderr]).toEqual([0, '']);
    script = join(dir.path, 'flock.bash');
    await writeFile(script, result.stdout);
  });
  afterAll(() => dir?.cleanup());

  /** What bash's completion function offers after `words` (the last one is the word being completed). */
  async function complete(...words: string[]): Promise<string[]> {
    const array = words.map((w) => `'${w}'`).join(' ');
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', `source '${script}'; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _flock; printf '%s\\n' "\${COMPREPLY[@]}"`]);
    return stdout.split('\n').filter(Boolean);
  }

  it('bash: the script registers a completion for flock', async () => {
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', `source '${script}'; complete -p flock`]);
    expect(stdout.trim()).toBe('complete -F _flock flock');
  });

  it('bash: commands, subcommands, and options (own and implied by the metadata) complete', async () => {
    expect(await complete('flock', 'in')).toEqual(['init', 'install']);
    expect(await complete('flock', 'comp')).toEqual(['completions']);
    expect(await complete('flock', 'token', '')).toEqual(['list', 'create', 'revoke', 'rotate', '--registry', '--help']);
    // An option's value is skipped when working out the command path.
    expect(await complete('flock', 'org', '--registry', 'http://x', 'store', 's')).toEqual(['set', 'show']);
    expect(await complete('flock', 'org', 'store', 'show', 'acme', '--')).toEqual(['--json', '--registry', '--help']);
    expect(await complete('flock', 'publish', '--')).toEqual(['--all', '--allow-dirty', '--dry-run', '--org', '--registry', '--help']);
    // Offline commands have no --registry; after an option that takes a value nothing is offered.
    expect(await complete('flock', 'init', '--')).toEqual(['--name', '--org', '--help']);
    expect(await complete('flock', 'publish', '--org', '')).toEqual([]);
  });

  it('zsh and fish scripts are generated from the same commands', async () => {
    const zsh = await runFlock(['completions', 'zsh'], { cwd: dir.path, env: { HOME: dir.path } });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef flock\n/);
    expect(zsh.stdout).toContain("  'flock token' 'list create revoke rotate --registry --help'\n");
    expect(zsh.stdout).toContain("  'flock org store show' '--json --registry --help'\n");
    expect(zsh.stdout).toContain('compdef _flock flock');
    const fish = await runFlock(['completions', 'fish'], { cwd: dir.path, env: { HOME: dir.path } });
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c flock -n 'test (__flock_path) = \\'flock\\'' -a 'install' -d 'Resolve [dependencies], write flock.lock, and install into .flock/deps'\n");
    expect(fish.stdout).toContain("complete -c flock -n 'test (__flock_path) = \\'flock token create\\'' -l scopes -r -d ");
    expect(fish.stdout).toContain("complete -c flock -n 'test (__flock_path) = \\'flock whoami\\'' -l registry -r -d ");
  });

  it('an unknown shell is one line and exit 1', async () => {
    const result = await runFlock(['completions', 'tcsh'], { cwd: dir.path, env: { HOME: dir.path } });
    expect([result.code, result.stderr, result.stdout]).toEqual([1, 'Unknown shell "tcsh": use bash, zsh, fish\n', '']);
  });
});
