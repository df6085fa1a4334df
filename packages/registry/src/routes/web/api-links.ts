import { itemAnchor, type DocModel, type VersionDto } from '@flock/core';

/** A piece of a signature: plain text, or a type name with where it is documented. */
export interface SignaturePart {
  text: string;
  href?: string;
}

/** Kinds a signature can name as a type; a function's name in another signature is left alone. */
const TYPE_KINDS = new Set(['struct', 'enum', 'type', 'trait']);

/**
 * Item name (bare and module-qualified) → anchor; the first module declaring a name wins. Only types
 * by default: a bare word in a signature is a type or nothing. A dependency's items are all named
 * qualified (`palette.DEFAULT`), so `everyKind` takes them all.
 */
export function typeAnchors(docs: DocModel, everyKind = false): Map<string, string> {
  const anchors = new Map<string, string>();
  for (const module of docs.modules) {
    for (const item of module.items) {
      if (!everyKind && !TYPE_KINDS.has(item.kind)) continue;
      const qualified = `${module.name}.${item.name}`;
      anchors.set(qualified, itemAnchor(module, item));
      if (!anchors.has(item.name)) anchors.set(item.name, itemAnchor(module, item));
    }
  }
  return anchors;
}

/** A dependency whose docs a signature may point into: `palette.Rgb` names the package `palette`. */
export interface LinkedDependency {
  /** The package's name, which Kestrel code uses to qualify its items (`use org/palette` → `palette.`). */
  name: string;
  /** Its API page at the version the range resolves to: "/flock/org/palette/0.1.0/api". */
  page: string;
  anchors: Map<string, string>;
}

/**
 * Splits a signature into text and links: a bare or module-qualified name of this package's type
 * links to its anchor, `dep.Name` to the dependency's API page (at the item when its docs have it).
 * `self` is the item's own name, never linked to itself.
 */
export function linkSignature(signature: string, self: string, local: Map<string, string>, deps: readonly LinkedDependency[]): SignaturePart[] {
  const parts: SignaturePart[] = [];
  let last = 0;
  for (const match of signature.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/g)) {
    const word = match[0];
    const href = hrefFor(word, self, local, deps);
    if (href === null) continue;
    if (match.index > last) parts.push({ text: signature.slice(last, match.index) });
    parts.push({ text: word, href });
    last = match.index + word.length;
  }
  if (last < signature.length) parts.push({ text: signature.slice(last) });
  return parts;
}

function hrefFor(word: string, self: string, local: Map<string, string>, deps: readonly LinkedDependency[]): string | null {
  if (word === self) return null;
  const anchor = local.get(word);
  if (anchor !== undefined) return `#${anchor}`;
  const dot = word.indexOf('.');
  if (dot === -1) return null;
  const dep = deps.find((d) => d.name === word.slice(0, dot));
  if (!dep) return null;
  const rest = word.slice(dot + 1);
  const target = dep.anchors.get(word) ?? dep.anchors.get(rest);
  return target === undefined ? dep.page : `${dep.page}#${target}`;
}

/** Web hosts whose file-at-a-commit URLs we know: "/blob/…" on GitHub, "/-/blob/…" on GitLab, "/src/commit/…" on Codeberg. */
const HOSTS: Record<string, (base: string, commit: string, path: string, line: number) => string> = {
  'github.com': (base, commit, path, line) => `${base}/blob/${commit}/${path}#L${line}`,
  'gitlab.com': (base, commit, path, line) => `${base}/-/blob/${commit}/${path}#L${line}`,
  'codeberg.org': (base, commit, path, line) => `${base}/src/commit/${commit}/${path}#L${line}`,
};

/** "https://github.com/acme/palette.git", "git@github.com:acme/palette.git", "ssh://git@…" → host and "acme/palette". */
function parseRepository(repository: string): { host: string; project: string } | null {
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/)(.+)$/.exec(repository);
  let host: string;
  let path: string;
  if (scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    let url: URL;
    try {
      url = new URL(repository);
    } catch {
      return null;
    }
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) return null;
    host = url.hostname;
    path = url.pathname;
  }
  const segments = path.replace(/\.git\/?$/, '').split('/').filter((s) => s !== '');
  // GitLab allows subgroups (group/sub/project); the others are owner/project.
  const ok = host === 'gitlab.com' ? segments.length >= 2 : segments.length === 2;
  if (!ok || segments.some((s) => !/^[A-Za-z0-9._-]+$/.test(s) || s === '.' || s === '..')) return null;
  return { host: host.toLowerCase(), project: segments.join('/') };
}

/**
 * The item's line at the recorded commit on its web host, or null: no provenance, a dirty tree
 * (the commit is not what was published), or a host whose URLs we do not know.
 */
export function sourceUrl(provenance: VersionDto['provenance'], modulePath: string, line: number): string | null {
  if (!provenance || provenance.dirty || !provenance.repository || !provenance.commit) return null;
  const repo = parseRepository(provenance.repository);
  const build = repo ? HOSTS[repo.host] : undefined;
  if (!repo || !build) return null;
  const path = [provenance.path, modulePath].filter((p) => p !== '').join('/').split('/').map(encodeURIComponent).join('/');
  return build(`https://${repo.host}/${repo.project}`, provenance.commit, path, line);
}
