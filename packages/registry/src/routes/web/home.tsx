import { Layout } from './layout.js';
import { methodsText, type SignInMethods } from './login-page.js';

export interface RecentPackage {
  org: string;
  name: string;
  version: string;
  description: string | null;
}

export function HomePage({ recent, methods, user }: { recent: RecentPackage[]; methods: SignInMethods; user: string | null }) {
  return (
    <Layout title="Flock — the Kestrel package registry" user={user}>
      <div class="card">
        <h1>Flock</h1>
        <p class="lead">Publish Kestrel packages with an org and a token; depend on them with <code>flock add</code>.</p>
        {user ? (
          <p>Signed in as <a href="/account">{user}</a>.</p>
        ) : (
          <p id="sign-in-methods">
            {methodsText(methods)}{' '}
            {methods.github ? <a class="button" href="/login/github?next=/account">Sign in with GitHub</a> : methods.local ? <a class="button" href="/login?next=/account">Sign in or create an account</a> : null}
          </p>
        )}
      </div>
      <div class="card">
        <h2>Recently published</h2>
        {recent.length === 0 ? (
          <p class="lead">Nothing published yet. Run <code>flock publish</code> to be the first.</p>
        ) : (
          <ul class="versions">
            {recent.map((p) => (
              <li>
                <span>
                  <a href={`/flock/${p.org}/${p.name}`}>{p.org}/{p.name}</a> <span class="lead">{p.description ?? ''}</span>
                </span>
                <span>{p.version}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Layout>
  );
}
