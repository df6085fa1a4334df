import { highlightKestrel } from './highlight.js';
import { renderDocMarkdown } from './markdown.js';
import { countItems, type DocFormat, type DocItem, type DocModel, type DocModule } from './model.js';

/** The file `flock doc` writes for each format, inside the output directory. */
export function docsFileName(format: DocFormat): string {
  switch (format) {
    case 'json':
      return 'docs.json';
    case 'html':
      return 'index.html';
    case 'markdown':
      return 'api.md';
  }
}

/** Human label for CLI output: "wrote 1 modules, 7 items (Json) → DIR". */
export function formatLabel(format: DocFormat): string {
  return format.charAt(0).toUpperCase() + format.slice(1);
}

/** Anchor id of an item, shared by the standalone HTML and the registry's pages. */
export function itemAnchor(module: DocModule, item: DocItem): string {
  return `${module.name}.${item.name}`;
}

export function writeDocsJson(model: DocModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

/** "org/name" or "name" when the package has no org. */
function packageTitle(model: DocModel): string {
  const { org, name, version } = model.package;
  return `${org ? `${org}/${name}` : name} ${version}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text and attribute values; everything we interpolate ourselves goes through this. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** "Fields" of a struct, "Variants" of an enum. */
function membersTitle(item: DocItem): string {
  return item.kind === 'enum' ? 'Variants' : 'Fields';
}

function renderMembersHtml(item: DocItem): string {
  if (item.members.length === 0) return '';
  const entries = item.members.map(
    (member) => `<li><code class="hljs language-kestrel">${highlightKestrel(member.signature)}</code>${member.doc ? `<div class="doc">${renderDocMarkdown(member.doc)}</div>` : ''}</li>`,
  );
  return `<h4>${membersTitle(item)}</h4>\n<ul class="members">${entries.join('')}</ul>`;
}

function renderItemHtml(module: DocModule, item: DocItem): string {
  const anchor = escapeHtml(itemAnchor(module, item));
  return [
    `<article class="item" id="${anchor}">`,
    `<h3><a href="#${anchor}"><span class="kind">${escapeHtml(item.kind)}</span> ${escapeHtml(item.name)}</a></h3>`,
    `<pre><code class="hljs language-kestrel">${highlightKestrel(item.signature)}</code></pre>`,
    item.doc ? `<div class="doc">${renderDocMarkdown(item.doc)}</div>` : '',
    renderMembersHtml(item),
    '</article>',
  ]
    .filter((part) => part !== '')
    .join('\n');
}

function renderModuleHtml(module: DocModule): string {
  return [
    `<section class="module" id="module-${escapeHtml(module.name)}">`,
    `<h2>${escapeHtml(module.name)} <small>${escapeHtml(module.path)}</small></h2>`,
    module.doc ? `<div class="doc">${renderDocMarkdown(module.doc)}</div>` : '',
    ...module.items.map((item) => renderItemHtml(module, item)),
    '</section>',
  ]
    .filter((part) => part !== '')
    .join('\n');
}

function renderTocHtml(model: DocModel): string {
  const entries = model.modules.map((module) => {
    const items = module.items
      .map((item) => `<li><a href="#${escapeHtml(itemAnchor(module, item))}">${escapeHtml(item.name)}</a></li>`)
      .join('');
    return `<li><a href="#module-${escapeHtml(module.name)}">${escapeHtml(module.name)}</a><ul>${items}</ul></li>`;
  });
  return `<nav><ul>${entries.join('\n')}</ul></nav>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f4f4f6;padding:.75rem;overflow-x:auto}.kind{color:#666;font-weight:normal}
h2 small{color:#666;font-weight:normal;font-size:.6em}.item{margin:1.5rem 0}
.hljs-keyword{color:#a21caf}.hljs-string{color:#166534}.hljs-comment,.hljs-code{color:#5c6370;font-style:italic}
.hljs-number,.hljs-literal{color:#9a3412}.hljs-type{color:#0e7490}.hljs-title{color:#1d4ed8}.hljs-meta{color:#92400e}`;

/** A complete standalone HTML5 page for the package's API docs. */
export function renderDocsHtml(model: DocModel): string {
  const title = escapeHtml(packageTitle(model));
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title} API docs</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${title}</h1><p>${model.modules.length} modules, ${countItems(model)} items</p></header>`,
    renderTocHtml(model),
    '<main>',
    ...model.modules.map(renderModuleHtml),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A code fence longer than any backtick run in `text`, so a signature cannot close it early. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Inline code whose delimiter is longer than any backtick run in `text`. */
function inlineCode(text: string): string {
  const ticks = '`'.repeat(Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length)) + 1);
  return ticks.length > 1 ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
}

function renderItemMarkdown(item: DocItem): string {
  const fence = fenceFor(item.signature);
  const parts = [`### ${item.kind} ${item.name}`, `${fence}kestrel\n${item.signature}\n${fence}`];
  if (item.doc) parts.push(item.doc);
  if (item.members.length > 0) {
    // A member's doc is indented under its bullet so a multi-line doc stays in the list.
    const entries = item.members.map((m) => `- ${inlineCode(m.signature)}${m.doc ? `: ${m.doc.replace(/\n/g, '\n  ')}` : ''}`);
    parts.push(`${membersTitle(item)}:\n\n${entries.join('\n')}`);
  }
  return parts.join('\n\n');
}

/** The API docs as one Markdown document: `# pkg version`, `## module`, `### kind name`. */
export function renderDocsMarkdown(model: DocModel): string {
  const parts = [`# ${packageTitle(model)}`];
  for (const module of model.modules) {
    parts.push(`## ${module.name}`);
    if (module.doc) parts.push(module.doc);
    for (const item of module.items) parts.push(renderItemMarkdown(item));
  }
  return `${parts.join('\n\n')}\n`;
}
