import { describe, expect, it } from 'vitest';
import { parseOrgName } from '@flock/core';
import { nameFromLogin } from './sign-in.js';

describe('nameFromLogin', () => {
  it.each([
    ['Octo-Cat', 'octo-cat'],
    ['octocat', 'octocat'],
    ['42isTheAnswer', 'gh-42istheanswer'],
    ['legacy--double', 'legacy-double'],
    ['trailing-', 'trailing'],
  ])('%s becomes %s, a valid org name', (login, name) => {
    expect(nameFromLogin(login)).toBe(name);
    expect(parseOrgName(nameFromLogin(login))).toBe(name);
  });
});
