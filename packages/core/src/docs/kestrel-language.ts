/**
 * Kestrel as a highlight.js language definition, written from examples/palette and examples/banner
 * and the item kinds the docs extractor knows (fn, struct, enum, type, trait, const, let).
 * Typed loosely on purpose: highlight.js's own types pull the DOM library into every compilation
 * that imports them (see highlight.ts).
 */

/** The few parts of the highlight.js API a language definition uses. */
export interface LanguageApi {
  COMMENT(begin: string | RegExp, end: string | RegExp, extra?: object): object;
  C_BLOCK_COMMENT_MODE: object;
  BACKSLASH_ESCAPE: object;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/;

export const KESTREL_KEYWORDS = [
  'pub', 'fn', 'let', 'var', 'mut', 'const', 'use', 'as', 'mod', 'struct', 'enum', 'type', 'trait', 'impl',
  'if', 'else', 'match', 'for', 'in', 'while', 'loop', 'break', 'continue', 'return', 'where', 'and', 'or', 'not',
  'self', 'async', 'await',
];

export function kestrel(hljs: LanguageApi): object {
  // `///` documents the next item, `//!` the module: the same colour as comments, with `code` spans marked.
  const docComment = hljs.COMMENT(/\/\/[/!](?!\/)/, /$/, { contains: [{ scope: 'code', match: /`[^`\n]+`/ }] });
  return {
    name: 'Kestrel',
    aliases: ['ks'],
    keywords: {
      $pattern: /[A-Za-z_][A-Za-z0-9_]*/,
      keyword: KESTREL_KEYWORDS,
      literal: ['true', 'false', 'none', 'some', 'ok', 'err'],
    },
    contains: [
      docComment,
      hljs.COMMENT(/\/\//, /$/),
      hljs.C_BLOCK_COMMENT_MODE,
      { scope: 'string', begin: /"/, end: /"/, illegal: /\n/, contains: [hljs.BACKSLASH_ESCAPE] },
      // A character: '#', '\n', '\x1b'.
      { scope: 'string', match: /'(?:\\(?:x[0-9A-Fa-f]{2}|u\{[0-9A-Fa-f]{1,6}\}|.)|[^'\\\n])'/ },
      { scope: 'number', match: /\b(?:0x[0-9A-Fa-f_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)\b/, relevance: 0 },
      // Attributes, should a package use them: #[test], #[deprecated("…")].
      { scope: 'meta', begin: /#!?\[/, end: /\]/, contains: [{ scope: 'string', begin: /"/, end: /"/, contains: [hljs.BACKSLASH_ESCAPE] }] },
      // The name a declaration introduces: `fn parse_hex`, `struct Rgb`.
      { match: [/\bfn/, /\s+/, IDENT], scope: { 1: 'keyword', 3: 'title' } },
      { match: [/\b(?:struct|enum|type|trait)/, /\s+/, IDENT], scope: { 1: 'keyword', 3: 'type' } },
      // Types and type-like constants are capitalised: String, List<Rgb>, U8, DEFAULT.
      { scope: 'type', match: /\b[A-Z][A-Za-z0-9_]*\b/, relevance: 0 },
    ],
  };
}
