import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Mid-window, so the fixed window cannot roll over during the test.
const fixedClock = () => new Date('2026-06-01T12:07:30Z');
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

describe('password sign-in is rate limited per username', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await createTestRegistry({}, { clock: fixedClock });
    const signUp = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=victim&password=the+right+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    expect(signUp.status).toBe(303);
  });
  afterAll(() => registry?.close());

  const attempt = (username: string, password: string) =>
    fetch(`${registry.url}/login`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ username, password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });

  it('after ten attempts even the right password waits, with 429 and Retry-After', async () => {
    for (let i = 0; i < 10; i++) expect((await attempt('victim', `guess ${i}`)).status).toBe(401);
    const blocked = await attempt('victim', 'the right password');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain('Too many sign-in attempts');
    expect(blocked.headers.getSetCookie().some((c) => c.startsWith('flock_session='))).toBe(false);
  });

  it('unknown usernames are limited the same way, so the limit reveals nothing', async () => {
    for (let i = 0; i < 10; i++) expect((await attempt('nobody-here', `guess ${i}`)).status).toBe(401);
    expect((await attempt('nobody-here', 'x')).status).toBe(429);
  });

  it('counts failures only: fifteen right passwords in a row all sign in, then ten wrong ones still reach the limit', async () => {
    const signUp = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=regular&password=my+own+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    expect(signUp.status).toBe(303);
    for (let i = 0; i < 15; i++) expect((await attempt('regular', 'my own password')).status).toBe(303);
    // Successes in between do not wipe out earlier failures either.
    for (let i = 0; i < 5; i++) expect((await attempt('regular', `guess ${i}`)).status).toBe(401);
    expect((await attempt('regular', 'my own password')).status).toBe(303);
    for (let i = 5; i < 10; i++) expect((await attempt('regular', `guess ${i}`)).status).toBe(401);
    expect((await attempt('regular', 'my own password')).status).toBe(429);
  });

  it("another user's sign-in is unaffected", async () => {
    const other = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=bystander&password=another+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    expect(other.status).toBe(303);
    expect((await attempt('bystander', 'another password')).status).toBe(303);
  });
});
