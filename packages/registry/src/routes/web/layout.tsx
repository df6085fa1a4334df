import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

/** The pages' one stylesheet, inline: the Content-Security-Policy allows it by its hash (see security-headers.ts). */
export const STYLE = `
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
header.top nav { margin-left:auto; display:flex; gap:16px; align-items:center; font-size:15px; }
label { display:block; font-size:14px; color:var(--muted); margin:10px 0 4px; }
input[type=text], input[type=password], input[type=date], input[type=search], input[type=url], select { font:inherit; padding:7px 10px; border:1px solid var(--line); border-radius:8px; background:#fff; min-width:220px; }
.checks { display:flex; gap:14px; flex-wrap:wrap; } .checks label { display:inline-flex; gap:6px; align-items:center; margin:0; color:var(--fg); }
button, .button { font:inherit; font-size:15px; padding:7px 14px; border-radius:8px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; display:inline-block; }
button.secondary { background:#fff; color:var(--accent); } button.danger { background:#fff; color:#b42318; border-color:#f1b5b0; }
button.small { font-size:13px; padding:3px 10px; }
form.inline { display:inline; } .row { display:flex; gap:12px; align-items:flex-end; flex-wrap:wrap; }
table { width:100%; border-collapse:collapse; font-size:14px; } th { text-align:left; color:var(--muted); font-weight:500; font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
th, td { padding:8px 8px 8px 0; border-bottom:1px solid var(--line); vertical-align:middle; } tr:last-child td { border-bottom:none; }
.notice { background:#eef7ee; border:1px solid #b7dfb9; border-radius:10px; padding:16px 20px; margin-bottom:24px; }
.secret { display:flex; gap:8px; align-items:center; } .secret code { font-size:15px; background:#fff; padding:6px 10px; border-radius:6px; border:1px solid var(--line); word-break:break-all; }
.muted { color:var(--muted); } .grid2 { display:grid; grid-template-columns:1fr 1fr; gap:24px; } @media (max-width:860px) { .grid2 { grid-template-columns:1fr; } }
.notice.error { background:#fdecec; border-color:#f1b5b0; } .notice .secret { margin-top:10px; } .notice p.muted { margin:10px 0 0; }
form.search { margin-left:auto; } .spread { justify-content:space-between; } .nowrap { white-space:nowrap; }
.flush { margin:0; } .flush-bottom { margin-bottom:0; } .spaced { margin-top:16px; }
/* P2: downloads, front page, search */
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

/** For app.ts's error boundary, which is not a .tsx file. */
export function errorPage(title: string, message: string) {
  return <ErrorPage title={title} message={message} />;
}
