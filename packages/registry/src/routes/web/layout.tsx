import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

const STYLE = `
:root { --fg:#1d2433; --muted:#5b6478; --line:#e3e6ee; --accent:#4a5fd0; --bg:#fafbfd; --code:#f2f4f8; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { background:#fff; border-bottom:1px solid var(--line); }
header.top .inner, main { max-width:1100px; margin:0 auto; padding:0 24px; }
header.top .inner { display:flex; align-items:center; gap:24px; height:56px; }
.brand { font-weight:700; font-size:18px; color:var(--fg); }
main { padding-top:28px; padding-bottom:64px; }
h1 { font-size:28px; margin:0 0 4px; } h1 .org { color:var(--muted); font-weight:500; }
.badge { display:inline-block; font-size:13px; padding:2px 8px; border-radius:999px; background:var(--code); color:var(--muted); margin-left:8px; vertical-align:middle; }
.badge.private { background:#fff1d6; color:#8a5a00; } .badge.yanked { background:#fde2e2; color:#9b1c1c; }
.lead { color:var(--muted); margin:4px 0 20px; }
.layout { display:grid; grid-template-columns:minmax(0,1fr) 280px; gap:32px; }
@media (max-width: 860px) { .layout { grid-template-columns:1fr; } }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:20px 24px; margin-bottom:24px; }
aside .card { padding:16px 18px; font-size:14px; } aside dt { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; margin-top:10px; } aside dd { margin:2px 0 0; word-break:break-all; }
pre, code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:14px; }
pre { background:var(--code); padding:12px 14px; border-radius:8px; overflow-x:auto; }
:not(pre) > code { background:var(--code); padding:1px 5px; border-radius:4px; }
.install { display:flex; align-items:center; gap:8px; background:var(--code); border-radius:8px; padding:8px 12px; font-family:ui-monospace,monospace; font-size:14px; }
.item { border-top:1px solid var(--line); padding:14px 0; } .item:first-of-type { border-top:none; }
.item h4 { margin:0 0 6px; font-size:15px; } .item .kind { color:var(--muted); font-weight:500; margin-right:6px; }
.item a.anchor { color:var(--muted); margin-left:6px; visibility:hidden; } .item:hover a.anchor { visibility:visible; }
ul.versions { list-style:none; padding:0; margin:0; } ul.versions li { display:flex; justify-content:space-between; padding:3px 0; }
h2 { font-size:20px; margin:0 0 12px; } h3 { font-size:17px; margin:18px 0 8px; }
.readme img { max-width:100%; }
`;

export function Layout(props: { title: string; children: Child }) {
  return (
    <>
    {raw('<!DOCTYPE html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <header class="top">
          <div class="inner">
            <a class="brand" href="/">Flock</a>
            <span class="lead" style="margin:0">the Kestrel package registry</span>
            <form method="get" action="/search" style="margin-left:auto"><input type="search" name="q" placeholder="Search packages" aria-label="Search packages" /></form>
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

/** For app.ts's error boundary, which is not a .tsx file. */
export function errorPage(title: string, message: string) {
  return <ErrorPage title={title} message={message} />;
}
