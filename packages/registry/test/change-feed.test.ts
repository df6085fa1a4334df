import { describe, expect, it } from 'vitest';
import { createLocalChangeFeed, type ChangeEvent, type ChangeFeed } from '../src/events/change-feed.js';

function nextEvent(feed: ChangeFeed): Promise<ChangeEvent> {
  return new Promise((resolve) => {
    const off = feed.subscribe((event) => {
      off();
      resolve(event);
    });
  });
}

describe('change feed', () => {
  it('local: subscribers hear what is notified', async () => {
    const feed = createLocalChangeFeed();
    const heard = nextEvent(feed);
    await feed.notify({ kind: 'package', org: 'acme', name: 'widget' });
    expect(await heard).toEqual({ kind: 'package', org: 'acme', name: 'widget' });
    await feed.close();
  });
});
