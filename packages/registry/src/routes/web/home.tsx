import { Layout } from './layout.js';

export interface RecentPackage {
  org: string;
  name: string;
  version: string;
  description: string | null;
}

export function HomePage({ recent }: { recent: RecentPackage[] }) {
  return (
    <Layout title="Flock — the Kestrel package registry">
      <div class="card">
        <h1>Flock</h1>
        <p class="lead">Publish Kestrel packages with an org and a token; depend on them with <code>flock add</code>.</p>
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
