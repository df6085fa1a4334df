import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

/** The pages' one stylesheet, inline: the Content-Security-Policy allows it by its hash (see security-headers.ts). */
export const STYLE = `
:root { color-scheme:light dark; --fg:#1d2433; --muted:#5b6478; --line:#e3e6ee; --accent:#4a5fd0; --bg:#fafbfd; --code:#f2f4f8;
  --surface:#fff; --on-accent:#fff; --ok-bg:#eef7ee; --ok-line:#b7dfb9; --warn-bg:#fff1d6; --warn-fg:#8a5a00; --danger-bg:#fdecec; --danger-fg:#9b1c1c; --danger-line:#f1b5b0; }
@media (prefers-color-scheme: dark) { :root { --fg:#e3e7f0; --muted:#a4acbe; --line:#343b4d; --accent:#93a3ff; --bg:#11141b; --code:#232836;
  --surface:#191d27; --on-accent:#0e1220; --ok-bg:#16301d; --ok-line:#2f6b3b; --warn-bg:#3b2e0e; --warn-fg:#f3cd78; --danger-bg:#3a1a1c; --danger-fg:#ffaba6; --danger-line:#7a3a38; } }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--fg); background:var(--bg); overflow-wrap:break-word; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
main a:not(.button):not(.anchor) { text-decoration:underline; text-decoration-color:color-mix(in srgb, currentColor 45%, transparent); text-underline-offset:2px; }
main a:not(.button):hover { text-decoration-color:currentColor; }
header.top { background:var(--surface); border-bottom:1px solid var(--line); }
header.top .inner, main { max-width:1100px; margin:0 auto; padding:0 24px; }
header.top .inner { display:flex; flex-wrap:wrap; align-items:center; gap:8px 24px; min-height:56px; padding-top:8px; padding-bottom:8px; }
.brand { font-weight:700; font-size:18px; color:var(--fg); }
main { padding-top:28px; padding-bottom:64px; }
h1 { font-size:28px; margin:0 0 4px; overflow-wrap:anywhere; } h1 .org { color:var(--muted); font-weight:500; }
.badge { display:inline-block; font-size:13px; padding:2px 8px; border-radius:999px; background:var(--code); color:var(--muted); margin-left:8px; vertical-align:middle; }
.badge.private { background:var(--warn-bg); color:var(--warn-fg); } .badge.yanked { background:var(--danger-bg); color:var(--danger-fg); }
.lead { color:var(--muted); margin:4px 0 20px; }
.layout { display:grid; grid-template-columns:minmax(0,1fr) 280px; gap:32px; }
@media (max-width: 860px) { .layout { grid-template-columns:minmax(0,1fr); } }
.card { background:var(--surface); border:1px solid var(--line); border-radius:10px; padding:20px 24px; margin-bottom:24px; }
aside .card { padding:16px 18px; font-size:14px; } aside dt { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; margin-top:10px; } aside dd { margin:2px 0 0; word-break:break-all; }
pre, code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:14px; }
pre { background:var(--code); padding:12px 14px; border-radius:8px; overflow-x:auto; }
:not(pre) > code { background:var(--code); padding:1px 5px; border-radius:4px; }
.install { display:flex; align-items:center; gap:8px; background:var(--code); border-radius:8px; padding:8px 12px; font-family:ui-monospace,monospace; font-size:14px; } .install > * { min-width:0; overflow-wrap:anywhere; }
.item { border-top:1px solid var(--line); padding:14px 0; } .item:first-of-type { border-top:none; }
.item h4 { margin:0 0 6px; font-size:15px; } .item .kind { color:var(--muted); font-weight:500; margin-right:6px; }
.item a.anchor { color:var(--muted); margin-left:6px; visibility:hidden; } .item:hover a.anchor { visibility:visible; }
ul.versions { list-style:none; padding:0; margin:0; } ul.versions li { display:flex; justify-content:space-between; gap:12px; padding:3px 0; } ul.versions li > * { min-width:0; }
h2 { font-size:20px; margin:0 0 12px; } h3 { font-size:17px; margin:18px 0 8px; }
.readme img { max-width:100%; }
header.top nav { margin-left:auto; display:flex; gap:16px; align-items:center; font-size:15px; }
label { display:block; font-size:14px; color:var(--muted); margin:10px 0 4px; }
input[type=text], input[type=password], input[type=date], input[type=search], input[type=url], select, textarea { font:inherit; padding:7px 10px; border:1px solid var(--line); border-radius:8px; background:var(--surface); color:var(--fg); min-width:min(220px,100%); max-width:100%; }
.checks { display:flex; gap:14px; flex-wrap:wrap; } .checks label { display:inline-flex; gap:6px; align-items:center; margin:0; color:var(--fg); }
button, .button { font:inherit; font-size:15px; padding:7px 14px; border-radius:8px; border:1px solid var(--accent); background:var(--accent); color:var(--on-accent); cursor:pointer; display:inline-block; }
button.secondary { background:var(--surface); color:var(--accent); } button.danger { background:var(--surface); color:var(--danger-fg); border-color:var(--danger-line); }
button.small { font-size:13px; padding:3px 10px; }
form.inline { display:inline; } .row { display:flex; gap:12px; align-items:flex-end; flex-wrap:wrap; }
table { width:100%; border-collapse:collapse; font-size:14px; } th { text-align:left; color:var(--muted); font-weight:500; font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
th, td { padding:8px 8px 8px 0; border-bottom:1px solid var(--line); vertical-align:middle; } tr:last-child td { border-bottom:none; }
.notice { background:var(--ok-bg); border:1px solid var(--ok-line); border-radius:10px; padding:16px 20px; margin-bottom:24px; }
.secret { display:flex; gap:8px; align-items:center; } .secret code { font-size:15px; background:var(--surface); padding:6px 10px; border-radius:6px; border:1px solid var(--line); word-break:break-all; }
.muted { color:var(--muted); } .grid2 { display:grid; grid-template-columns:1fr 1fr; gap:24px; } @media (max-width:860px) { .grid2 { grid-template-columns:minmax(0,1fr); } }
.notice.error { background:var(--danger-bg); border-color:var(--danger-line); } .notice .secret { margin-top:10px; } .notice p.muted { margin:10px 0 0; }
form.search { margin-left:auto; } .spread { justify-content:space-between; } .nowrap { white-space:nowrap; }
.flush { margin:0; } .flush-bottom { margin-bottom:0; } .spaced { margin-top:16px; }
.scroll { overflow-x:auto; max-width:100%; position:relative; } td time { white-space:nowrap; }
.sr-only { position:absolute; width:1px; height:1px; padding:0; margin:-1px; overflow:hidden; clip:rect(0,0,0,0); white-space:nowrap; border:0; }
.row > div { min-width:0; max-width:100%; }
@media (max-width: 600px) {
  header.top .inner, main { padding-left:14px; padding-right:14px; }
  header.top .lead { display:none; }
  form.search { order:3; flex:1 1 100%; margin-left:0; } form.search input { width:100%; }
  .card { padding:16px; }
  h1 { font-size:24px; }
  /* Wrapped rather than scrolled: a scrolled block would need to take keyboard focus (axe: scrollable-region-focusable). */
  pre { white-space:pre-wrap; overflow-wrap:anywhere; }
}
/* P4: API reference page */
.api-layout { display:grid; grid-template-columns:240px minmax(0,1fr); gap:32px; align-items:start; }
.api-layout [hidden] { display:none; }
.api-index { position:sticky; top:16px; max-height:calc(100vh - 32px); overflow-y:auto; font-size:14px; }
@media (max-width: 860px) { .api-layout { grid-template-columns:minmax(0,1fr); } .api-index { position:static; max-height:none; } }
.api-index input[type=search] { width:100%; min-width:0; margin-bottom:10px; }
.api-index ul { list-style:none; padding:0; margin:2px 0 12px; } .api-index li { padding:1px 0; overflow-wrap:anywhere; }
.api-group .muted { font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.api-module h2 small { font-size:13px; font-weight:normal; overflow-wrap:anywhere; }
.api-item { border-top:1px solid var(--line); padding:14px 0; } .api-item h3 { margin:0 0 6px; font-size:16px; overflow-wrap:anywhere; }
.api-item .kind { color:var(--muted); font-weight:500; } .api-item h4 { font-size:14px; margin:10px 0 4px; color:var(--muted); }
.api-anchor, .api-source { color:var(--muted); font-size:13px; font-weight:normal; margin-left:8px; }
.api-members { padding-left:18px; margin:0; } .api-members li { margin:4px 0; }
/* P5: highlighting */
:root { --hl-keyword:#a21caf; --hl-string:#166534; --hl-comment:#5c6370; --hl-number:#9a3412; --hl-type:#0c6478; --hl-title:#1d4ed8; --hl-meta:#92400e; }
@media (prefers-color-scheme: dark) { :root { --hl-keyword:#e0a3ff; --hl-string:#9ad99a; --hl-comment:#a3adbb; --hl-number:#f5ab78; --hl-type:#7fd8ea; --hl-title:#9dbdff; --hl-meta:#f2c572; } }
.hljs-keyword, .hljs-section, .hljs-selector-tag { color:var(--hl-keyword); }
.hljs-string, .hljs-char, .hljs-regexp { color:var(--hl-string); }
.hljs-comment, .hljs-quote, .hljs-code { color:var(--hl-comment); font-style:italic; }
.hljs-number, .hljs-literal, .hljs-variable, .hljs-symbol { color:var(--hl-number); }
.hljs-type, .hljs-built_in { color:var(--hl-type); }
.hljs-title, .hljs-attr, .hljs-property { color:var(--hl-title); }
.hljs-meta, .hljs-doctag { color:var(--hl-meta); }
/* P3: package page */
.layout.package { grid-template-areas:"main install" "main side"; grid-template-rows:auto 1fr; row-gap:0; }
.layout.package > #install-card { grid-area:install; padding:16px 18px; font-size:14px; } .layout.package > .package-main { grid-area:main; min-width:0; } .layout.package > aside { grid-area:side; min-width:0; }
@media (max-width: 860px) { .layout.package { grid-template-areas:"install" "main" "side"; grid-template-columns:minmax(0,1fr); grid-template-rows:auto; } }
#install-card .install { margin-top:8px; } #install-card .install code { flex:1; min-width:0; overflow-x:auto; white-space:nowrap; background:none; padding:0; } .install-or { font-size:13px; margin-top:10px; }
.keywords { display:flex; flex-wrap:wrap; gap:6px; } .keywords a { background:var(--code); border-radius:999px; padding:1px 9px; font-size:13px; }
aside .dependency code, #used-by code { font-size:12px; } .package-main .item pre { max-width:100%; overflow-x:auto; }
/* P2: downloads, front page, search */
/* A row's trailing figure (time, downloads) goes below its text when both do not fit, instead of widening the page. */
ul.versions li { flex-wrap:wrap; gap:0 12px; } ul.versions li > :first-child { min-width:0; flex:1 1 12em; }
.downloads-chart { display:block; color:var(--accent); margin:12px 0 8px; }
dl.stats { display:flex; flex-wrap:wrap; gap:12px 32px; margin:16px 0 0; } dl.stats dt { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; } dl.stats dd { margin:0; font-size:22px; font-weight:600; }
`;

/** `user`: the signed-in username, null for "Sign in", or absent for no account links at all. */
export function Layout(props: { title: string; children: Child; user?: string | null }) {
  return (
    <>
    {raw('<!DOCTYPE html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <header class="top">
          <div class="inner">
            <a class="brand" href="/">Flock</a>
            <span class="lead flush">the Kestrel package registry</span>
            <form method="get" action="/search" class="search"><input type="search" name="q" placeholder="Search packages" aria-label="Search packages" /></form>
            {props.user === undefined ? null : (
              <nav>{props.user === null ? <a href="/login">Sign in</a> : <a href="/account" id="nav-account">{props.user}</a>}</nav>
            )}
          </div>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
    </>
  );
}

export function ErrorPage(props: { title: string; message: string }) {
  return (
    <Layout title={`${props.title} — Flock`}>
      <div class="card">
        <h1>{props.title}</h1>
        <p class="lead">{props.message}</p>
      </div>
    </Layout>
  );
}

/** Any unknown page, package, org or version: where to go from here. */
export function NotFoundPage(props: { message: string }) {
  return (
    <Layout title="Not found — Flock">
      <div class="card" id="not-found">
        <h1>Not found</h1>
        <p class="lead">{props.message}</p>
        <form method="get" action="/search" class="row">
          <input type="search" name="q" aria-label="Search packages" placeholder="Search packages" />
          <button type="submit">Search</button>
        </form>
        <p class="spaced flush-bottom"><a href="/">Back to the front page</a></p>
      </div>
    </Layout>
  );
}

/** For app.ts's error boundary and not-found answer, which are not .tsx files. */
export function errorPage(title: string, message: string) {
  return <ErrorPage title={title} message={message} />;
}
export function notFoundPage(message: string) {
  return <NotFoundPage message={message} />;
}

/** The site's icon, also answered at /favicon.ico: the brand's initial on its accent colour. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4a5fd0"/><path d="M11 25V7h11.5v3.4h-7.6v3.9h7v3.4h-7V25z" fill="#fff"/></svg>`;
