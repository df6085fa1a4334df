import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// A [dependencies] entry line: "org/name" = "range" (quoted key, any spacing).
const entryLine = (key: string) => new RegExp(`^\\s*["']${key.replace(/[-/]/g, '\\$&')}["']\\s*=`);

/**
 * Sets or removes one [dependencies] entry by editing the text in place, so
 * the author's comments and layout survive (a TOML round trip would drop them).
 */
export function editDependency(text: string, key: string, range: string | null): string {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /^\s*\[\s*dependencies\s*\]\s*(#.*)?$/.test(l));
  const entry = `"${key}" = "${range}"`;
  if (header === -1) {
    if (range === null) return text;
    const body = text.endsWith('\n') ? text : `${text}\n`;
    return `${body}\n[dependencies]\n${entry}\n`;
  }
  let end = lines.length;
  for (let i = header + 1; i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i]!)) { end = i; break; }
  }
  const at = lines.slice(header + 1, end).findIndex((l) => entryLine(key).test(l));
  if (at !== -1) {
    if (range === null) lines.splice(header + 1 + at, 1);
    else lines[header + 1 + at] = entry;
    return lines.join('\n');
  }
  if (range === null) return text;
  let insertAt = end;
  while (insertAt > header + 1 && lines[insertAt - 1]!.trim() === '') insertAt--;
  lines.splice(insertAt, 0, entry);
  return lines.join('\n');
}

export async function editManifestDependency(root: string, key: string, range: string | null): Promise<void> {
  const path = join(root, 'flock.toml');
  await writeFile(path, editDependency(await readFile(path, 'utf8'), key, range));
}
