import { raw } from 'hono/html';
import { HighlightBudget, highlightKestrel, itemAnchor, renderDocMarkdown, type DocItem, type DocModel, type DocModule, type ItemKind, type PackageDto, type VersionDto } from '@flock/core';
import { linkSignature, sourceUrl, typeAnchors, type LinkedDependency } from './api-links.js';
import { Layout } from './layout.js';

/**
 * The index's filter box: shown only when this runs (without scripts the index is a plain list),
 * it hides the index entries and the items whose names do not contain the text. Allowed by its
 * hash in the Content-Security-Policy (security-headers.ts), so it must stay byte for byte the
 * text of the page's <script>.
 */
export const API_FILTER_SCRIPT = `(function () { var box = document.getElementById('api-filter'); if (!box) return; box.hidden = false;
box.addEventListener('input', function () { var q = box.value.trim().toLowerCase();
document.querySelectorAll('[data-item]').forEach(function (el) { el.hidden = q !== '' && el.getAttribute('data-item').indexOf(q) === -1; });
document.querySelectorAll('.api-group').forEach(function (g) { g.hidden = g.querySelector('li[data-item]:not([hidden])') === null; }); }); })();`;

const KIND_TITLES: Record<ItemKind, string> = {
  fn: 'Functions', struct: 'Structs', enum: 'Enums', type: 'Types', trait: 'Traits', const: 'Constants', let: 'Values',
};
/** The index's order, types first as in rustdoc. */
const INDEX_ORDER: readonly ItemKind[] = ['struct', 'enum', 'type', 'trait', 'fn', 'const', 'let'];

/** What the page needs beyond the docs: where the version's source is, and its dependencies' pages. */
export interface ApiContext {
  provenance: VersionDto['provenance'];
  dependencies: readonly LinkedDependency[];
}

function Signature({ item, local, deps }: { item: DocItem; local: Map<string, string>; deps: readonly LinkedDependency[] }) {
  return (
    <pre>
      <code>{linkSignature(item.signature, item.name, local, deps).map((part) => (part.href ? <a href={part.href}>{part.text}</a> : part.text))}</code>
    </pre>
  );
}

function Item({ module, item, context, local, budget }: { module: DocModule; item: DocItem; context: ApiContext; local: Map<string, string>; budget: HighlightBudget }) {
  const anchor = itemAnchor(module, item);
  const source = sourceUrl(context.provenance, module.path, item.line);
  return (
    <article class="api-item" id={anchor} data-item={item.name.toLowerCase()}>
      <h3>
        <span class="kind">{item.kind}</span> <code>{item.name}</code>
        <a class="api-anchor" href={`#${anchor}`} aria-label={`Link to ${item.name}`}>#</a>
        {source ? <a class="api-source" href={source} rel="nofollow noopener">source</a> : null}
      </h3>
      <Signature item={item} local={local} deps={context.dependencies} />
      {item.doc ? <div class="doc">{raw(renderDocMarkdown(item.doc, budget))}</div> : null}
      {item.members.length > 0 ? (
        <>
          <h4>{item.kind === 'enum' ? 'Variants' : 'Fields'}</h4>
          <ul class="api-members">
            {item.members.map((member) => (
              <li id={`${anchor}.${member.name}`}>
                <code class="hljs language-kestrel">{raw(highlightKestrel(member.signature, budget))}</code>
                {member.doc ? <div class="doc">{raw(renderDocMarkdown(member.doc, budget))}</div> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </article>
  );
}

/** The sidebar's index: per module, the items grouped by kind; a plain list of links without scripts. */
function Index({ docs }: { docs: DocModel }) {
  return (
    <nav class="api-index" id="api-index" aria-label="Items">
      <input type="search" id="api-filter" placeholder="Filter items" aria-label="Filter items" hidden />
      {docs.modules.map((module) =>
        INDEX_ORDER.map((kind) => {
          const items = module.items.filter((item) => item.kind === kind);
          if (items.length === 0) return null;
          return (
            <div class="api-group">
              <div class="muted">{docs.modules.length > 1 ? `${module.name} · ` : ''}{KIND_TITLES[kind]}</div>
              <ul>
                {items.map((item) => (
                  <li data-item={item.name.toLowerCase()}><a href={`#${itemAnchor(module, item)}`}>{item.name}</a></li>
                ))}
              </ul>
            </div>
          );
        }),
      )}
    </nav>
  );
}

/**
 * The index and the items of one version's docs, as a string: what never changes for a version
 * and a resolution of its dependencies, so the caller caches it under both.
 */
export async function renderApiContent(docs: DocModel, context: ApiContext): Promise<string> {
  const local = typeAnchors(docs);
  // One highlighting budget for the whole page (see HighlightBudget): a docs upload may hold 10,000 items.
  const budget = new HighlightBudget();
  const content = (
    <div class="api-layout">
      <Index docs={docs} />
      <div class="api-main">
        {docs.modules.map((module) => (
          <section class="card api-module" id={`module.${module.name}`}>
            <h2><code>{module.name}</code> <small class="muted">{module.path}</small></h2>
            {module.doc ? <div class="doc">{raw(renderDocMarkdown(module.doc, budget))}</div> : null}
            {module.items.map((item) => <Item module={module} item={item} context={context} local={local} budget={budget} />)}
          </section>
        ))}
        {docs.modules.length === 0 ? <p class="lead">This version documents no modules.</p> : null}
      </div>
    </div>
  );
  return String(await content.toString());
}

export interface ApiPageProps {
  pkg: PackageDto;
  version: VersionDto;
  /** renderApiContent's output, or null when the version has no docs. */
  content: string | null;
  user?: string | null;
}

export function ApiPage({ pkg, version, content, user }: ApiPageProps) {
  const base = `/flock/${pkg.org}/${pkg.name}`;
  return (
    <Layout title={`${pkg.org}/${pkg.name} ${version.version} API reference — Flock`} user={user}>
      <h1>
        <a href={`${base}/${version.version}`}><span class="org">{pkg.org}/</span>{pkg.name}</a>
        <span class="badge" id="version">{version.version}</span> API reference
      </h1>
      <p class="lead">
        {pkg.latest && pkg.latest !== version.version ? <>Newest is <a href={`${base}/api`}>{pkg.latest}</a>. </> : null}
        <a href={`${base}/${version.version}`}>Package page</a>
      </p>
      {content === null ? <div class="card"><p class="lead">No documentation was uploaded for this version.</p></div> : raw(content)}
      {content === null ? null : <script>{raw(API_FILTER_SCRIPT)}</script>}
    </Layout>
  );
}
