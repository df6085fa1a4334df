import { describe, expect, it } from 'vitest';
import { hiddenRecordHash, hideLogRecord, parseLogRecord } from './record.js';

const publish = 'flock-log v1\nevent publish\npackage acme/palette\nversion 1.2.0\narchive sha256:' + 'a'.repeat(64) + '\ncommit ' + 'b'.repeat(40) + '\ntime 2026-12-01T10:00:00.000Z\n';

describe('log records', () => {
  it('parses the documented publish record, and a private one as logged', () => {
    expect(parseLogRecord(publish)).toEqual({
      event: 'publish', package: 'acme/palette', version: '1.2.0', archive: `sha256:${'a'.repeat(64)}`, commit: 'b'.repeat(40), time: '2026-12-01T10:00:00.000Z',
    });
    const salt = Buffer.alloc(32, 7);
    const hidden = hideLogRecord(publish, salt);
    expect(hidden).toBe(`flock-log v1\nevent publish\nhidden ${hiddenRecordHash(salt, publish)}\narchive sha256:${'a'.repeat(64)}\ntime 2026-12-01T10:00:00.000Z\n`);
    expect(parseLogRecord(hidden)).toMatchObject({ event: 'publish', hidden: hiddenRecordHash(salt, publish) });
    expect(parseLogRecord('flock-log v1\nevent visibility\npackage acme/palette\nvisibility private\ntime 2026-12-01T10:00:00Z\n').visibility).toBe('private');
  });

  it.each([
    ['another header', publish.replace('v1', 'v2')],
    ['fields out of order', publish.replace('package acme/palette\nversion 1.2.0\n', 'version 1.2.0\npackage acme/palette\n')],
    ['an unknown event', publish.replace('event publish', 'event delete')],
    ['no archive on a publish', publish.replace(/archive .*\n/, '')],
    ['both package and hidden', publish.replace('version', `hidden sha256:${'c'.repeat(64)}\nversion`)],
    ['a trailing space', publish.replace('1.2.0', '1.2.0 ')],
    ['no final newline', publish.slice(0, -1)],
    ['a duplicated line', publish.replace('version 1.2.0\n', 'version 1.2.0\nversion 1.2.1\n')],
  ])('refuses a record with %s in one line', (_what, text) => {
    expect(() => parseLogRecord(text)).toThrow(/^Malformed log record: [^\n]+$/);
  });
});
