import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../../test-support/cli.js';

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/**
 * A user's clone has nothing beside it, and CI clones with a copy of the
 * project's shared folder next door, so a stray read of it would pass
 * CI and break for everyone else. This reads every tracked file instead.
 */
describe('the repository stands alone', () => {
  it('no tracked file reads a folder beside the repository', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
    const offenders = files
      .filter((file) => existsSync(join(REPO, file)) && !file.endsWith('package-lock.json'))
      .filter((file) => /\.\.\/shared\b|\bshared\/examples\b/.test(readFileSync(join(REPO, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the example packages the tests and README use live in examples/', () => {
    expect(EXAMPLES).toBe(join(REPO, 'examples'));
    for (const name of ['palette', 'banner']) {
      expect(existsSync(join(EXAMPLES, name, 'flock.toml')), name).toBe(true);
    }
  });
});
