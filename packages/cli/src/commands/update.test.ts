import { describe, expect, it } from 'vitest';
import { describeChanges } from './update.js';

const p = (pkg: string, version: string) => ({ package: pkg, version, checksum: `sha256:${'0'.repeat(64)}`, dependencies: {} });

describe('flock update: what changed in flock.lock', () => {
  it('one version replaced by another is an update (or a downgrade); the rest are added or removed', () => {
    expect(describeChanges(
      [p('a/x', '1.0.0'), p('a/y', '2.0.0'), p('a/gone', '1.0.0'), p('a/two', '0.1.0'), p('a/two', '0.2.0')],
      [p('a/x', '1.1.0'), p('a/y', '1.9.0'), p('a/new', '0.3.0'), p('a/two', '0.1.1'), p('a/two', '0.2.0')],
    )).toEqual([
      'Removed a/gone 1.0.0',
      'Added a/new 0.3.0',
      'Updated a/two 0.1.0 -> 0.1.1',
      'Updated a/x 1.0.0 -> 1.1.0',
      'Downgraded a/y 2.0.0 -> 1.9.0',
    ]);
  });

  it('nothing, when the versions are the same', () => {
    expect(describeChanges([p('a/x', '1.0.0')], [p('a/x', '1.0.0')])).toEqual([]);
  });

  it('two versions moving at once are listed one by one', () => {
    expect(describeChanges([p('a/x', '0.1.0'), p('a/x', '0.2.0')], [p('a/x', '0.1.1'), p('a/x', '0.2.1')])).toEqual([
      'Removed a/x 0.1.0', 'Removed a/x 0.2.0', 'Added a/x 0.1.1', 'Added a/x 0.2.1',
    ]);
  });
});
