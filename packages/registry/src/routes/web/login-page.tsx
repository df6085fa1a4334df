import { Layout } from './layout.js';

export interface SignInMethods {
  github: boolean;
  local: boolean;
}

/** Names the sign-in methods that are on, for the front page and the sign-in page. */
export function methodsText(methods: SignInMethods): string {
  const on = [methods.github ? 'GitHub' : null, methods.local ? 'a local username and password' : null].filter((m) => m !== null);
  return on.length === 0 ? 'Signing in is turned off on this registry.' : `Sign in with ${on.join(' or ')}.`;
}

export function LoginPage({ methods, next, error }: { methods: SignInMethods; next: string; error?: string }) {
  const nextField = <input type="hidden" name="next" value={next} />;
  return (
    <Layout title="Sign in — Flock" user={null}>
      <div class="card">
        <h1>Sign in</h1>
        <p class="lead" id="methods">{methodsText(methods)}</p>
        {error ? <p class="notice error" id="error">{error}</p> : null}
        {methods.github ? (
          <p><a class="button" id="github" href={`/login/github?next=${encodeURIComponent(next)}`}>Sign in with GitHub</a></p>
        ) : null}
      </div>
      {methods.local ? (
        <div class="grid2">
          <form class="card" method="post" action="/login">
            <h2>Sign in</h2>
            {nextField}
            <label for="login-username">Username</label>
            <input type="text" id="login-username" name="username" autocomplete="username" required />
            <label for="login-password">Password</label>
            <input type="password" id="login-password" name="password" autocomplete="current-password" required />
            <p><button type="submit" id="login-submit">Sign in</button></p>
          </form>
          <form class="card" method="post" action="/signup">
            <h2>Create an account</h2>
            {nextField}
            <label for="signup-username">Username (also your personal organization)</label>
            <input type="text" id="signup-username" name="username" autocomplete="username" required />
            <label for="signup-password">Password (at least 8 characters)</label>
            <input type="password" id="signup-password" name="password" autocomplete="new-password" required />
            <p><button type="submit" id="signup-submit">Create account</button></p>
          </form>
        </div>
      ) : null}
    </Layout>
  );
}
