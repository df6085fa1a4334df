import { describe, expect, it } from 'vitest';
import { createHtmlCache } from './html-cache.js';

describe('html cache', () => {
  it('renders a key once, and stays within its byte bound by dropping the least recently used', async () => {
    // Each entry is 10 characters (20 bytes); the bound holds two.
    const cache = createHtmlCache({ maxBytes: 40 });
    const rendered: string[] = [];
    const render = (key: string) => () => {
      rendered.push(key);
      return Promise.resolve(key.padEnd(10, '.'));
    };
    expect(await cache.getOrRender('a', render('a'))).toBe('a.........');
    await cache.getOrRender('a', render('a'));
    await cache.getOrRender('b', render('b'));
    await cache.getOrRender('a', render('a')); // a is now the most recently used
    await cache.getOrRender('c', render('c')); // so b goes
    await cache.getOrRender('a', render('a'));
    await cache.getOrRender('b', render('b'));
    expect(rendered).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.stats()).toEqual({ hits: 3, misses: 4, entries: 2, bytes: 40 });
  });

  it('answers but does not keep what is larger than the whole bound', async () => {
    const cache = createHtmlCache({ maxBytes: 10 });
    expect(await cache.getOrRender('big', () => Promise.resolve('x'.repeat(6)))).toBe('xxxxxx');
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('keeps HTML with a stamp for that stamp only, replacing it when the stamp changes', async () => {
    const cache = createHtmlCache({ maxBytes: 100 });
    const first = {};
    const second = {};
    let renders = 0;
    const render = () => Promise.resolve(`page ${++renders}`);
    expect(await cache.getOrRender('p', render, first)).toBe('page 1');
    expect(await cache.getOrRender('p', render, first)).toBe('page 1');
    expect(await cache.getOrRender('p', render, second)).toBe('page 2');
    expect(await cache.getOrRender('p', render, first)).toBe('page 3');
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 3, entries: 1, bytes: 12 });
  });

  it('compares array stamps element by element: any one part changing re-renders', async () => {
    const cache = createHtmlCache({ maxBytes: 100 });
    const entry = {};
    let renders = 0;
    const render = () => Promise.resolve(`page ${++renders}`);
    expect(await cache.getOrRender('p', render, [entry, 1, 7])).toBe('page 1');
    expect(await cache.getOrRender('p', render, [entry, 1, 7])).toBe('page 1');
    expect(await cache.getOrRender('p', render, [entry, 2, 7])).toBe('page 2');
    expect(await cache.getOrRender('p', render, [entry, 2, 8])).toBe('page 3');
    expect(await cache.getOrRender('p', render, [{}, 2, 8])).toBe('page 4');
    expect(await cache.getOrRender('p', render, [entry, 2])).toBe('page 5');
  });
});
