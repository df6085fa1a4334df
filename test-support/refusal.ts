import { expect } from 'vitest';
import { FlockError } from '../packages/core/src/errors.js';

/** The one-line FlockError message a call throws (fails the test when it does not throw). */
export function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(FlockError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}
