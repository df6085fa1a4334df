import { describe, expect, it } from 'vitest';
import { isNetworkRepository } from './worker.js';

describe('which recorded repositories the rebuild worker clones by default', () => {
  it('takes URLs another machine can clone', () => {
    for (const url of ['https://github.com/acme/palette.git', 'http://git.example/acme', 'ssh://git@git.example/acme.git', 'git://git.example/acme', 'git@github.com:acme/palette.git']) {
      expect(isNetworkRepository(url), url).toBe(true);
    }
  });

  it('refuses paths and file URLs, which would be paths on the registry machine', () => {
    for (const path of ['/srv/flock/data', './repo', '../x', 'repo', 'file:///etc', 'C:/repo', 'https:///nohost', 'ext::sh -c id']) {
      expect(isNetworkRepository(path), path).toBe(false);
    }
  });
});
