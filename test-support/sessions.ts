import { expect } from 'vitest';

/** Signs up `username` through the real form (local accounts) and returns the session cookie ("flock_session=…"). */
export async function signUpCookie(registryUrl: string, username: string): Promise<string> {
  const response = await fetch(`${registryUrl}/signup`, {
    method: 'POST', redirect: 'manual', body: `username=${username}&password=a+long+password`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registryUrl },
  });
  expect(response.status).toBe(303);
  return response.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!.split(';')[0]!;
}
