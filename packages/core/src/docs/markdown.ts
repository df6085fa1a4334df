import { createRequire } from 'node:module';
import { Marked } from 'marked';
import type SanitizeHtml from 'sanitize-html';

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
  return {
    allowedTags: [...sanitizer().defaults.allowedTags, 'img', 'h1', 'h2'],
    allowedAttributes: {
      a: ['href', 'name', 'title', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      code: ['class'],
      pre: ['class'],
      span: ['class'],
    },
    allowedClasses: { code: codeClasses, pre: codeClasses, span: codeClasses },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    // Overwrites any author-supplied rel: user links must not pass ranking or window.opener.
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener' } }),
    },
  };
}

/** Markdown (GFM) → HTML that is safe to embed in a registry page. */
export function renderMarkdown(markdown: string): string {
  // A fresh instance per call: the shared `marked` object can be reconfigured
  // by any other importer via marked.use(), which must not affect sanitizing.
  const marked = new Marked({ gfm: true });
  const html = marked.parse(markdown, { async: false });
  return sanitizer()(html, sanitizeOptions());
}
