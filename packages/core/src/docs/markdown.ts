import { createRequire } from 'node:module';
import { Marked } from 'marked';
import type SanitizeHtml from 'sanitize-html';
import { HighlightBudget, highlightCode, highlightLanguage } from './highlight.js';

// sanitize-html (with htmlparser2 and postcss) is the heaviest module core has, and `flock publish`
// and `flock install` load core without ever rendering Markdown: it is required on first use
// (it is CommonJS, so synchronously).
const require = createRequire(import.meta.url);
let loadedSanitizer: typeof SanitizeHtml | undefined;
const sanitizer = (): typeof SanitizeHtml => (loadedSanitizer ??= require('sanitize-html') as typeof SanitizeHtml);

/**
 * Sanitizer settings for untrusted Markdown (READMEs, item docs). Raw HTML is
 * allowed through marked and then everything not listed here is removed, so the
 * allow-list is the security boundary, not the Markdown parser.
 */
function sanitizeOptions(): SanitizeHtml.IOptions {
  // Only language/highlighter classes: arbitrary classes would let a README
  // borrow the registry's own CSS and imitate its UI.
  const codeClasses = ['language-*', 'lang-*', 'hljs', 'hljs-*'];
  // The highlighter's token classes and nothing else (hljs-keyword, hljs-built_in); its second
  // classes on nested scopes (`function_`) go, the colours key on the first.
  const tokenClasses = [/^hljs-[a-z_-]+$/];
  return {
    allowedTags: [...sanitizer().defaults.allowedTags, 'img', 'h1', 'h2'],
    allowedAttributes: {
      a: ['href', 'name', 'title', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      code: ['class'],
      pre: ['class'],
      span: ['class'],
    },
    allowedClasses: { code: codeClasses, pre: codeClasses, span: tokenClasses },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    // Overwrites any author-supplied rel: user links must not pass ranking or window.opener.
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener' } }),
    },
  };
}

export interface RenderMarkdownOptions {
  /** The language of fenced code blocks that name none: 'kestrel' in Kestrel doc comments. */
  defaultLanguage?: string;
  /** Shared by the renderings of one page; by default each call has its own HighlightBudget. */
  highlightBudget?: HighlightBudget;
}

/**
 * Markdown (GFM) → HTML that is safe to embed in a registry page. Fenced code in Kestrel
 * (`kestrel`, `ks`), TOML, shell or JSON comes out highlighted: `<span class="hljs-…">`.
 */
export function renderMarkdown(markdown: string, options: RenderMarkdownOptions = {}): string {
  // A fresh instance per call: the shared `marked` object can be reconfigured
  // by any other importer via marked.use(), which must not affect sanitizing.
  const budget = options.highlightBudget ?? new HighlightBudget();
  const marked = new Marked({
    gfm: true,
    renderer: {
      code({ text, lang }) {
        const language = highlightLanguage(lang || options.defaultLanguage);
        // false: marked's own rendering (escaped, with a language-* class).
        if (language === undefined) return false;
        return `<pre><code class="hljs language-${language}">${highlightCode(text.replace(/\n$/, ''), language, budget)}\n</code></pre>\n`;
      },
    },
  });
  const html = marked.parse(markdown, { async: false });
  return sanitizer()(html, sanitizeOptions());
}

/** An item's or module's doc comment: Markdown whose unlabelled code blocks are Kestrel. */
export function renderDocMarkdown(markdown: string, highlightBudget?: HighlightBudget): string {
  return renderMarkdown(markdown, { defaultLanguage: 'kestrel', ...(highlightBudget ? { highlightBudget } : {}) });
}
