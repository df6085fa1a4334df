import { createRequire } from 'node:module';
import { kestrel, type LanguageApi } from './kestrel-language.js';

// highlight.js 11.12.0 (pinned exactly in package.json): maintained, synchronous and pure JavaScript, and it takes a
// language definition as an object, so Kestrel is a grammar rather than a hand-written tokenizer.
// shiki would bring TextMate grammars with an Oniguruma WASM engine and an async API to every
// renderMarkdown caller. Only the core is loaded, with the few languages READMEs use, and only on
// first use (CommonJS, so synchronously): the CLI loads @flock/core for commands that never render.

interface Highlighter extends LanguageApi {
  newInstance(): Highlighter;
  registerLanguage(name: string, language: (hljs: Highlighter) => object): void;
  getLanguage(name: string): object | undefined;
  highlight(code: string, options: { language: string; ignoreIllegals: boolean }): { value: string };
}

const require = createRequire(import.meta.url);
let loaded: Highlighter | undefined;

function highlighter(): Highlighter {
  if (loaded) return loaded;
  const hljs = (require('highlight.js/lib/core') as Highlighter).newInstance();
  hljs.registerLanguage('kestrel', kestrel as (hljs: Highlighter) => object);
  // `ini` is highlight.js's TOML too (alias `toml`); `bash` answers to `sh` and `zsh`.
  for (const name of ['ini', 'bash', 'json']) {
    hljs.registerLanguage(name, require(`highlight.js/lib/languages/${name}`) as (hljs: Highlighter) => object);
  }
  return (loaded = hljs);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** The highlight.js name for a fence's language (`ks`, `toml`, `sh`…), or undefined when not one we load. */
export function highlightLanguage(lang: string | undefined): string | undefined {
  const name = lang?.trim().split(/\s/, 1)[0]?.toLowerCase();
  if (!name) return undefined;
  return highlighter().getLanguage(name) ? name : undefined;
}

/**
 * How much code one rendering may highlight. highlight.js spends several microseconds a token
 * (a 300 KB file takes seconds), and a README or docs upload is a publisher's text: past the
 * budget, code is shown plain (escaped), so a page's cost stays bounded whatever was published.
 */
export class HighlightBudget {
  /** 50,000 characters: about a thousand lines of code, well under a second. */
  static readonly DEFAULT_CHARS = 50_000;

  constructor(private remaining = HighlightBudget.DEFAULT_CHARS) {}

  /** Whether `code` may be highlighted; if so, its length is spent. */
  take(code: string): boolean {
    if (code.length > this.remaining) return false;
    this.remaining -= code.length;
    return true;
  }
}

/**
 * Code → HTML: escaped text with `<span class="hljs-…">` around tokens. `language` must be one
 * highlightLanguage accepts; anything the grammar cannot read, or what `budget` has no room
 * for, stays plain (escaped) text.
 */
export function highlightCode(code: string, language: string, budget?: HighlightBudget): string {
  if (budget && !budget.take(code)) return escapeHtml(code);
  try {
    return highlighter().highlight(code, { language, ignoreIllegals: true }).value;
  } catch {
    return escapeHtml(code);
  }
}

/** Kestrel source (a signature, an example) → escaped HTML with highlight.js's `hljs-*` span classes. */
export function highlightKestrel(code: string, budget?: HighlightBudget): string {
  return highlightCode(code, 'kestrel', budget);
}
