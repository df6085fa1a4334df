import { describe, expect, it } from 'vitest';
import { stripCredentials } from './source-url.js';

describe('stripCredentials', () => {
  it.each([
    ['https://user:token@github.com/acme/pkg.git', 'https://github.com/acme/pkg.git'],
    ['https://token@github.com/acme/pkg.git', 'https://github.com/acme/pkg.git'],
    ['ssh://git@host.example:22/acme/pkg.git', 'ssh://git@host.example:22/acme/pkg.git'],
    ['ssh://git:secret@host.example/acme/pkg.git', 'ssh://git@host.example/acme/pkg.git'],
    ['HTTP://a:b@host/x', 'HTTP://host/x'],
    ['https://github.com/acme/pkg.git', 'https://github.com/acme/pkg.git'],
    ['git@github.com:acme/pkg.git', 'git@github.com:acme/pkg.git'],
    ['/srv/git/pkg.git', '/srv/git/pkg.git'],
  ])('stripCredentials(%s) is %s', (url, expected) => {
    expect(stripCredentials(url)).toBe(expected);
  });
});
