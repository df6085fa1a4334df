import { FlockError } from './errors.js';

declare const noteBrand: unique symbol;

/** A yank reason or deprecation message that passed {@link parseNote}. */
export type Note = string & { readonly [noteBrand]: true };

export const MAX_NOTE_LENGTH = 500;

/**
 * A short human note shown to everyone who installs the package (a yank
 * reason, a deprecation message): one line, no control characters (it is
 * printed on terminals as is), at most MAX_NOTE_LENGTH characters, trimmed.
 */
export function parseNote(raw: unknown, what: string): Note {
  if (typeof raw !== 'string') throw new FlockError('bad_request', `The ${what} must be a string`);
  const text = raw.trim();
  if (text.length === 0) throw new FlockError('bad_request', `The ${what} is empty`);
  if (text.length > MAX_NOTE_LENGTH) throw new FlockError('bad_request', `The ${what} is ${text.length} characters; at most ${MAX_NOTE_LENGTH}`);
  // C0, DEL and C1 controls: a newline would break the one-line warning, an escape would reach the terminal.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) throw new FlockError('bad_request', `The ${what} must be one line without control characters`);
  return text as Note;
}
