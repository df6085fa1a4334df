/**
 * The documentation model `flock doc` writes and the registry stores and renders.
 * Versioned by `schema`: a reader refuses a schema it does not know rather than
 * misrendering it, and upgrades an older one it does know (parse.ts), so docs
 * stored before a change still render. See docs/docs-schema.md for the documented shape.
 */
export const DOCS_SCHEMA = 'flock-docs/2' as const;
/** Schemas parseDocModel still reads, each upgraded to DOCS_SCHEMA: flock-docs/1 had no `members`. */
export const OLDER_DOCS_SCHEMAS = ['flock-docs/1'] as const;

/** What `flock doc --format` writes; here, away from the renderers, so the CLI's help can name them without loading marked. */
export const DOC_FORMATS = ['json', 'html', 'markdown'] as const;
export type DocFormat = (typeof DOC_FORMATS)[number];

export function isDocFormat(value: string): value is DocFormat {
  return (DOC_FORMATS as readonly string[]).includes(value);
}

export const ITEM_KINDS = ['fn', 'struct', 'enum', 'type', 'trait', 'const', 'let'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export interface DocItem {
  kind: ItemKind;
  name: string;
  /** The declaration's first line up to `{` or `=`, trimmed. */
  signature: string;
  /** Markdown from the `///` lines, markers and one following space removed. */
  doc: string;
  /** 1-based line of the declaration in its source file (the module's `path`). */
  line: number;
  /** A struct's fields or an enum's variants, in source order; [] for other kinds. */
  members: DocMember[];
}

/** One field of a struct or variant of an enum: documented or not, all are listed. */
export interface DocMember {
  name: string;
  /** The member's line, trimmed, without a trailing `,` or an opening `{`: "r: U8", "Circle(Float)". */
  signature: string;
  /** Markdown from the `///` lines right above it ('' when none). */
  doc: string;
  line: number;
}

export interface DocModule {
  /** Dotted module name from the path under src/: src/color/mix.ks → "color.mix". */
  name: string;
  /** Path relative to the package root, with '/' separators: "src/color/mix.ks". */
  path: string;
  /** Markdown from the `//!` lines at the top of the file ('' when none). */
  doc: string;
  items: DocItem[];
}

export interface DocModel {
  schema: typeof DOCS_SCHEMA;
  package: { org?: string; name: string; version: string };
  modules: DocModule[];
}

export function countItems(model: DocModel): number {
  return model.modules.reduce((sum, module) => sum + module.items.length, 0);
}
