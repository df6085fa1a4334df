import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { parseManifest } from '@flock/core';
import { CliExit, type CommandContext } from './context.js';
import { namePath, writeFileAtomic } from './fs-write.js';

// A [dependencies] entry line: "org/name" = "range" (quoted key, any spacing).
const entryLine = (key: string) => new RegExp(`^\\s*["']${key.replace(/[-/]/g, '\\$&')}["']\\s*=`);
// What follows a plain string value on an entry line (spacing and a `# comment`), kept when the range is replaced.
const trailingComment = /^\s*["'][^"']*["']\s*=\s*(?:"(?:[^"\\]|\\.)*"|'[^']*')(\s*#.*)$/;

const REFUSED = 'Cannot edit [dependencies] in flock.toml automatically (it is not a plain [dependencies] table): edit it by hand';

/**
 * Sets or removes one [dependencies] entry by editing the text in place, so
 * the author's comments and layout survive (a TOML round trip would drop
 * them). The text edit only knows a plain `[dependencies]` table, so the
 * result is parsed again and refused unless exactly that entry changed: an
 * inline table or dotted keys would otherwise be left as they were or broken.
 */
export function editDependency(text: string, key: string, range: string | null): string {
  const edited = editLines(text, key, range);
  if (!editedExactly(text, edited, key, range)) throw new CliExit(REFUSED);
  return edited;
}

/** Whether `after` is `before` with dependencies[key] set to `range` (or gone, for null) and nothing else changed. */
function editedExactly(before: string, after: string, key: string, range: string | null): boolean {
  const split = (text: string) => {
    const { dependencies, ...rest } = parseToml(text) as Record<string, unknown>;
    const deps = { ...(dependencies as Record<string, unknown> | undefined) };
    const value = deps[key];
    delete deps[key];
    return { rest, deps, value };
  };
  try {
    const [old, next] = [split(before), split(after)];
    return next.value === (range ?? undefined) && isDeepStrictEqual(old.rest, next.rest) && isDeepStrictEqual(old.deps, next.deps);
  } catch {
    return false;
  }
}

function editLines(text: string, key: string, range: string | null): string {
  // A CRLF file stays CRLF.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  const header = lines.findIndex((l) => /^\s*\[\s*dependencies\s*\]\s*(#.*)?$/.test(l));
  const entry = `"${key}" = "${range}"`;
  if (header === -1) {
    if (range === null) return text;
    const body = text.endsWith(eol) ? text : `${text}${eol}`;
    return `${body}${eol}[dependencies]${eol}${entry}${eol}`;
  }
  let end = lines.length;
  for (let i = header + 1; i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i]!)) { end = i; break; }
  }
  const at = lines.slice(header + 1, end).findIndex((l) => entryLine(key).test(l));
  if (at !== -1) {
    const line = header + 1 + at;
    if (range === null) lines.splice(line, 1);
    else lines[line] = `${entry}${trailingComment.exec(lines[line]!)?.[1] ?? ''}`;
    return lines.join(eol);
  }
  if (range === null) return text;
  let insertAt = end;
  while (insertAt > header + 1 && lines[insertAt - 1]!.trim() === '') insertAt--;
  lines.splice(insertAt, 0, entry);
  return lines.join(eol);
}

export interface DependencyEdit {
  /** The [dependencies] the edited flock.toml holds: what to install. */
  dependencies: Record<string, string>;
  /** Writes the edited flock.toml (atomically). */
  save(): Promise<void>;
}

/**
 * Prepares setting (or, with null, removing) one dependency in flock.toml;
 * nothing is written until `save`, so `flock add` and `flock remove` can
 * install first and leave the file untouched when that fails.
 */
export async function planDependencyEdit(ctx: CommandContext, root: string, key: string, range: string | null): Promise<DependencyEdit> {
  return planDependencyEdits(ctx, root, [[key, range]]);
}

/** planDependencyEdit for several entries at once (`flock add a b c`): one read, one write. */
export async function planDependencyEdits(ctx: CommandContext, root: string, changes: Array<[key: string, range: string | null]>): Promise<DependencyEdit> {
  const path = join(root, 'flock.toml');
  const read = () => readFile(path, 'utf8').catch((error: unknown) => { throw namePath(error, path, 'read'); });
  const original = await read();
  const text = changes.reduce((edited, [key, range]) => editDependency(edited, key, range), original);
  return {
    dependencies: parseManifest(text, 'flock.toml').dependencies,
    async save() {
      // An install takes a while; an edit made meanwhile (in an editor) must not be overwritten.
      if ((await read()) !== original) throw new CliExit('flock.toml changed during the install, so it was not updated: run the command again');
      await writeFileAtomic(path, text, { onInterrupt: ctx.onInterrupt });
    },
  };
}
