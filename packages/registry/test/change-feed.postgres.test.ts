import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestDatabase } from '../../../test-support/backend.js';
import { createPostgresChangeFeed, type ChangeEvent, type ChangeFeed } from '../src/events/change-feed.js';

function nextEvent(feed: ChangeFeed): Promise<ChangeEvent> {
  return new Promise((resolve) => {
    const off = feed.subscribe((event) => {
      off();
      resolve(event);
    });
  });
}

describe('change feed on PostgreSQL: one replica hears what another notifies', () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('delivers across two connections', async () => {
    const logger = pino({ level: 'silent' });
    const [a, b] = await Promise.all([createPostgresChangeFeed(database.url, logger), createPostgresChangeFeed(database.url, logger)]);
    try {
      const heardByB = nextEvent(b);
      const heardByA = nextEvent(a);
      await a.notify({ kind: 'package', org: 'acme', name: 'widget' });
      expect(await heardByB).toEqual({ kind: 'package', org: 'acme', name: 'widget' });
      expect(await heardByA).toEqual({ kind: 'package', org: 'acme', name: 'widget' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a notify that cannot reach PostgreSQL still resolves (the change is already stored), is logged, and reaches this replica', async () => {
    const own = await createTestDatabase();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const feed = await createPostgresChangeFeed(own.url, logger);
    try {
      await own.drop();
      const heard = nextEvent(feed);
      const event: ChangeEvent = { kind: 'token', tokenHash: 'ab'.repeat(32) };
      await expect(feed.notify(event)).resolves.toBeUndefined();
      expect(await heard).toEqual(event);
      expect(lines.some((line) => line.includes('could not tell other replicas'))).toBe(true);
      expect(lines.join('')).not.toContain('abab'); // not even the hash of a token reaches the log
    } finally {
      await feed.close();
    }
  });
});
