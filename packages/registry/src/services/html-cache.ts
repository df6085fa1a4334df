export interface HtmlCacheDeps {
  /** Bound on what the cache holds, counted as UTF-16 code units × 2 (what V8 may spend on the strings). */
  maxBytes?: number;
}

/**
 * Rendered HTML kept in memory, least recently used out first: what never
 * changes under its key (a version's README and API reference, Markdown
 * through marked and sanitize-html), and, with a stamp, what holds until the
 * state it was built from changes (a whole anonymous package page).
 * Callers check access before they ask, so the cache never decides who sees what.
 */
/**
 * Stamps match when they are the same value, or arrays of the same values (a page built from
 * several pieces of state, each versioned on its own: a package's index entry, a generation, a minute).
 */
function sameStamp(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((value, i) => value === b[i]);
}

export function createHtmlCache({ maxBytes = 32 * 1024 * 1024 }: HtmlCacheDeps = {}) {
  const entries = new Map<string, { html: string; stamp: unknown }>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  function remove(key: string): void {
    const cached = entries.get(key);
    if (cached === undefined) return;
    entries.delete(key);
    bytes -= cached.html.length * 2;
  }

  /**
   * The HTML under `key`, rendered by `render` only when not cached. With a
   * `stamp`, what is cached counts only for that same stamp (compared with ===, element by element for arrays):
   * HTML built from state that can change is kept with the state's version.
   */
  async function getOrRender(key: string, render: () => Promise<string>, stamp?: unknown): Promise<string> {
    const cached = entries.get(key);
    if (cached !== undefined && sameStamp(cached.stamp, stamp)) {
      hits++;
      // Re-inserted, so the Map's order is least recently used first.
      entries.delete(key);
      entries.set(key, cached);
      return cached.html;
    }
    misses++;
    const html = await render();
    const size = html.length * 2;
    if (size > maxBytes) return html;
    remove(key);
    while (bytes + size > maxBytes) remove(entries.keys().next().value!);
    entries.set(key, { html, stamp });
    bytes += size;
    return html;
  }

  /** Hits and misses (renders) so far, and what is held: for tests and metrics. */
  function stats() {
    return { hits, misses, entries: entries.size, bytes };
  }

  return { getOrRender, stats };
}

export type HtmlCache = ReturnType<typeof createHtmlCache>;
