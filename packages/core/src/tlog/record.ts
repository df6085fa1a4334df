import { createHash } from 'node:crypto';
import { FlockError } from '../errors.js';

/**
 * The registry's log records (docs/transparency-log.md): `flock-log v1`, then
 * `<field> <value>` lines in a fixed order, each ending in '\n'. A private
 * package's record hides package, version and commit behind one `hidden` line.
 */

export const LOG_EVENTS = ['publish', 'docs', 'yank', 'unyank', 'visibility'] as const;
export type LogRecordEvent = (typeof LOG_EVENTS)[number];

export interface LogRecord {
  event: LogRecordEvent;
  /** "org/name"; absent when hidden. */
  package?: string;
  version?: string;
  /** "sha256:<hex> of the archive. */
  archive?: string;
  docs?: string;
  commit?: string;
  visibility?: 'public' | 'private';
  /** "sha256:<hex>" of salt ‖ clear text, for a private package's record. */
  hidden?: string;
  time: string;
}

const FIELD_ORDER = ['event', 'package', 'hidden', 'version', 'archive', 'docs', 'commit', 'visibility', 'time'] as const;
const SHA256 = /^sha256:[0-9a-f]{64}$/;
const VALUE: Record<(typeof FIELD_ORDER)[number], RegExp> = {
  event: new RegExp(`^(${LOG_EVENTS.join('|')})$`),
  package: /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/,
  hidden: SHA256,
  version: /^\S{1,128}$/,
  archive: SHA256,
  docs: SHA256,
  commit: /^([0-9a-f]{40}|[0-9a-f]{64})$/,
  visibility: /^(public|private)$/,
  time: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/,
};
/** Far above any record the registry writes; checked before splitting. */
export const MAX_RECORD_SIZE = 4096;

/** Parses one record strictly; throws a one-line bad_request naming what is wrong. */
export function parseLogRecord(text: string): LogRecord {
  const bad = (why: string) => new FlockError('bad_request', `Malformed log record: ${why}`);
  if (text.length > MAX_RECORD_SIZE) throw bad(`longer than ${MAX_RECORD_SIZE} characters`);
  if (!text.startsWith('flock-log v1\n') || !text.endsWith('\n')) throw bad('expected "flock-log v1" and lines ending in a newline');
  const lines = text.slice('flock-log v1\n'.length, -1).split('\n');
  const record: Record<string, string> = {};
  let position = 0;
  for (const line of lines) {
    const space = line.indexOf(' ');
    const field = line.slice(0, space) as (typeof FIELD_ORDER)[number];
    const value = line.slice(space + 1);
    const at = FIELD_ORDER.indexOf(field);
    if (space < 0 || at < position) throw bad(`unexpected line ${JSON.stringify(line.slice(0, 80))}`);
    if (!VALUE[field].test(value)) throw bad(`bad ${field} ${JSON.stringify(value.slice(0, 80))}`);
    record[field] = value;
    position = at + 1;
  }
  if (record.event === undefined || record.time === undefined) throw bad('missing event or time');
  if ((record.package === undefined) === (record.hidden === undefined)) throw bad('needs exactly one of package and hidden');
  const event = record.event as LogRecordEvent;
  const needs = event === 'docs' ? 'docs' : event === 'visibility' ? 'visibility' : 'archive';
  if (record[needs] === undefined) throw bad(`a ${event} record needs a ${needs} line`);
  if (record.hidden === undefined && event !== 'visibility' && record.version === undefined) throw bad(`a ${event} record needs a version line`);
  return record as unknown as LogRecord;
}

/** SHA-256(salt ‖ clear text): the value of a private record's hidden line. */
export function hiddenRecordHash(salt: Uint8Array, clear: string): string {
  return `sha256:${createHash('sha256').update(salt).update(clear, 'utf8').digest('hex')}`;
}

/** A private record as logged: the package, version and commit lines replaced by the hidden line, where package was. */
export function hideLogRecord(clear: string, salt: Uint8Array): string {
  const lines = clear.split(/(?<=\n)/);
  const kept = lines.filter((line) => !/^(package|version|commit) /.test(line));
  kept.splice(2, 0, `hidden ${hiddenRecordHash(salt, clear)}\n`);
  return kept.join('');
}
