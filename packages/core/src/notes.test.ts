import { describe, expect, it } from 'vitest';
import { FlockError } from './errors.js';
import { MAX_NOTE_LENGTH, parseNote } from './notes.js';

describe('parseNote (yank reasons, deprecation messages)', () => {
  it('trims and accepts one line of up to MAX_NOTE_LENGTH characters, Unicode included', () => {
    expect(parseNote('  use 1.2.0 — fixes “#12”  ', 'yank reason')).toBe('use 1.2.0 — fixes “#12”');
    expect(parseNote('é'.repeat(MAX_NOTE_LENGTH), 'yank reason')).toHaveLength(MAX_NOTE_LENGTH);
  });

  it.each([
    ['not a string', 42, 'The yank reason must be a string'],
    ['empty', '', 'The yank reason is empty'],
    ['blank', ' \t ', 'The yank reason is empty'],
    ['too long', 'x'.repeat(MAX_NOTE_LENGTH + 1), `The yank reason is ${MAX_NOTE_LENGTH + 1} characters; at most ${MAX_NOTE_LENGTH}`],
    ['two lines', 'a\nb', 'The yank reason must be one line without control characters'],
    ['an escape sequence', 'a\u001b[2Jb', 'The yank reason must be one line without control characters'],
    ['DEL', 'a\u007fb', 'The yank reason must be one line without control characters'],
    ['a C1 control', 'a\u009bb', 'The yank reason must be one line without control characters'],
  ])('refuses %s with one bad_request', (_what, raw, message) => {
    let error: unknown;
    try {
      parseNote(raw, 'yank reason');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlockError);
    expect(error).toMatchObject({ code: 'bad_request', message });
  });
});
