import { DOCS_SCHEMA, type DocItem, type DocMember, type DocModel, type DocModule, type ItemKind } from './model.js';

/**
 * A documentable declaration's first line: optional indentation, optional `pub`,
 * a kind keyword and the item's name. The kinds mirror ITEM_KINDS.
 */
const DECLARATION = /^\s*(?:pub\s+)?(fn|struct|enum|type|trait|const|let)\s+([A-Za-z_][A-Za-z0-9_]*)/;

// `///` but not `////`: like rustdoc, four or more slashes are an ordinary
// comment, so separator lines such as `////////` never become docs.
const ITEM_DOC = /^\s*\/\/\/(?!\/)/;
const MODULE_DOC = /^\s*\/\/!/;

/** Removes the comment marker and at most one following space. */
function stripMarker(line: string, marker: RegExp): string {
  const rest = line.replace(marker, '');
  return rest.startsWith(' ') ? rest.slice(1) : rest;
}

/** Joins doc lines, dropping trailing blank lines so `///` padding is not part of the doc. */
function joinDoc(lines: string[]): string {
  const kept = [...lines];
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  return kept.join('\n');
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** "src/color/mix.ks" → "color.mix"; tolerates a path without the src/ prefix. */
export function moduleNameFromPath(path: string): string {
  const underSrc = path.startsWith('src/') ? path.slice('src/'.length) : path;
  const withoutExt = underSrc.endsWith('.ks') ? underSrc.slice(0, -'.ks'.length) : underSrc;
  return withoutExt.split('/').filter((segment) => segment !== '').join('.');
}

/** Source text as LF-separated lines; a BOM is dropped so line 1 still matches `//!`. */
function sourceLines(source: string): string[] {
  return source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
}

/** The `//!` lines before the first other non-blank line, and where item scanning starts. */
function readModuleDoc(lines: string[]): { doc: string; next: number } {
  const docLines: string[] = [];
  let index = 0;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (MODULE_DOC.test(line)) docLines.push(stripMarker(line, MODULE_DOC));
    else if (!isBlank(line)) break;
  }
  return { doc: joinDoc(docLines), next: index };
}

function signatureOf(line: string): string {
  const cut = line.search(/[{=]/);
  return (cut === -1 ? line : line.slice(0, cut)).trim();
}

// A field (`r: U8,`) or a variant (`Circle(Float),`, `Point { x: Int }`): a name first.
const MEMBER = /^\s*(?:pub\s+)?([A-Za-z_][A-Za-z0-9_]*)/;

/** `{` minus `}` on a line; braces inside string literals are rare enough in declarations to ignore. */
function braceDelta(line: string): number {
  let delta = 0;
  for (const ch of line) delta += ch === '{' ? 1 : ch === '}' ? -1 : 0;
  return delta;
}

function memberSignature(line: string): string {
  const trimmed = line.trim().replace(/,$/, '').trim();
  const open = trimmed.indexOf('{');
  // A variant with a body shows its first line only, like an item's signature.
  return open === -1 ? trimmed : trimmed.slice(0, open).trim();
}

/**
 * The fields of a struct or variants of an enum whose body opens on line `index`:
 * lines directly inside the braces that start with a name, with the `///` lines above them.
 */
function readMembers(lines: string[], index: number): DocMember[] {
  let depth = braceDelta(lines[index]!);
  const members: DocMember[] = [];
  let pending: string[] = [];
  for (let at = index + 1; at < lines.length && depth > 0; at++) {
    const line = lines[at]!;
    if (depth === 1 && ITEM_DOC.test(line)) {
      pending.push(stripMarker(line, ITEM_DOC));
      continue;
    }
    const match = depth === 1 ? MEMBER.exec(line) : null;
    if (match) members.push({ name: match[1]!, signature: memberSignature(line), doc: joinDoc(pending), line: at + 1 });
    pending = [];
    depth += braceDelta(line);
  }
  return members;
}

/** Items: declarations directly under a `///` block; any other line discards a pending block. */
function readItems(lines: string[], start: number): DocItem[] {
  const items: DocItem[] = [];
  let pending: string[] = [];
  for (let index = start; index < lines.length; index++) {
    const line = lines[index]!;
    if (ITEM_DOC.test(line)) {
      pending.push(stripMarker(line, ITEM_DOC));
      continue;
    }
    if (pending.length > 0) {
      const match = DECLARATION.exec(line);
      if (match) {
        const kind = match[1] as ItemKind;
        items.push({
          kind,
          name: match[2]!,
          signature: signatureOf(line),
          doc: joinDoc(pending),
          line: index + 1,
          members: kind === 'struct' || kind === 'enum' ? readMembers(lines, index) : [],
        });
      }
    }
    pending = [];
  }
  return items;
}

/**
 * Extracts one module's docs from a Kestrel source file.
 * `path` is relative to the package root, e.g. "src/color/mix.ks".
 */
export function extractModule(path: string, source: string): DocModule {
  const normalPath = path.replace(/\\/g, '/');
  const lines = sourceLines(source);
  const { doc, next } = readModuleDoc(lines);
  return { name: moduleNameFromPath(normalPath), path: normalPath, doc, items: readItems(lines, next) };
}

/** Orders strings by UTF-8 bytes (= code points), not UTF-16 units, so output is the same everywhere. */
function compareBytes(a: string, b: string): number {
  const left = Array.from(a, (ch) => ch.codePointAt(0)!);
  const right = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i]! - right[i]!;
  }
  return left.length - right.length;
}

export function isSourcePath(path: string): boolean {
  return path.startsWith('src/') && path.endsWith('.ks');
}

/** Builds the package's doc model from its files; only `src/**\/*.ks` files are modules. */
export function extractDocs(files: Array<{ path: string; text: string }>, pkg: DocModel['package']): DocModel {
  const modules = files
    .map((file) => ({ ...file, path: file.path.replace(/\\/g, '/') }))
    .filter((file) => isSourcePath(file.path))
    .sort((a, b) => compareBytes(a.path, b.path))
    .map((file) => extractModule(file.path, file.text));
  // Omit an absent org instead of writing `"org": undefined` into the model.
  const packageInfo: DocModel['package'] =
    pkg.org === undefined ? { name: pkg.name, version: pkg.version } : { org: pkg.org, name: pkg.name, version: pkg.version };
  return { schema: DOCS_SCHEMA, package: packageInfo, modules };
}
