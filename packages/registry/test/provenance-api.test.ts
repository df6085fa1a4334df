import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VersionDto } from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const COMMIT = 'a'.repeat(40);

// Provenance arrives as request headers, validated at the edge; the archive bytes carry none of it.
describe('publish API: provenance headers', () => {
  let registry: TestRegistry;
  let token: string;

  beforeAll(async () => {
    registry = await createTestRegistry();
    token = await registry.createUser('acme');
  });
  afterAll(() => registry?.close());

  const put = async (name: string, headers: Record<string, string>) =>
    fetch(`${registry.url}/api/v1/packages/acme/${name}/1.0.0`, {
      method: 'PUT', body: await manifestOnlyArchive('acme', name, '1.0.0'), headers: { authorization: `Bearer ${token}`, ...headers },
    });
  const version = async (name: string) => (await (await fetch(`${registry.url}/api/v1/packages/acme/${name}/1.0.0`)).json()) as VersionDto;

  it('stores repository (credentials stripped), commit, path, dirty flag and build command, and shows them', async () => {
    const response = await put('traced', {
      'flock-source-repository': encodeURIComponent('https://bot:s3cret@git.example.com/acme/traced.git'),
      'flock-source-commit': COMMIT,
      'flock-source-path': encodeURIComponent('packages/traced'),
      'flock-dirty': 'false',
      'flock-build-command': encodeURIComponent('make — all'),
    });
    expect(response.status).toBe(200);
    expect((await version('traced')).provenance).toEqual({
      repository: 'https://git.example.com/acme/traced.git', commit: COMMIT, path: 'packages/traced', dirty: false, buildCommand: 'make — all',
    });
    const html = await (await fetch(`${registry.url}/flock/acme/traced`)).text();
    expect(html).toContain(`<code id="source-commit">${COMMIT}</code>`);
    expect(html).toContain('<a href="https://git.example.com/acme/traced.git" rel="nofollow noopener">');
    expect(html).toContain('<code id="build-command">make — all</code>');
    expect(html).toContain('<code id="verify-command">flock verify acme/traced@1.0.0</code>');
    expect(html).not.toContain('s3cret');
  });

  it('a publish without provenance headers has provenance null and no Source card', async () => {
    expect((await put('plain', {})).status).toBe(200);
    expect((await version('plain')).provenance).toBeNull();
    expect(await (await fetch(`${registry.url}/flock/acme/plain`)).text()).not.toContain('id="provenance"');
  });

  it('a non-http repository is shown as text, never as a link', async () => {
    const response = await put('scripted', { 'flock-source-repository': encodeURIComponent('javascript:alert(1)'), 'flock-source-commit': COMMIT });
    expect(response.status).toBe(200);
    const html = await (await fetch(`${registry.url}/flock/acme/scripted`)).text();
    expect(html).toContain('<dd id="source-repository"><code>javascript:alert(1)</code></dd>');
  });

  it.each([
    [{ 'flock-source-commit': 'not-a-hash', 'flock-source-repository': 'x' }, 'Invalid flock-source-commit header: not a full lowercase hex commit hash'],
    [{ 'flock-source-commit': COMMIT }, 'Headers flock-source-repository and flock-source-commit must be sent together'],
    [{ 'flock-source-repository': '--upload-pack=touch%20%2Ftmp%2Fx', 'flock-source-commit': COMMIT }, 'Invalid flock-source-repository header: must be a repository URL or path'],
    [{ 'flock-source-repository': '', 'flock-source-commit': COMMIT }, 'Invalid flock-source-repository header: must be a repository URL or path'],
    [{ 'flock-dirty': 'maybe' }, 'Invalid flock-dirty header: must be true or false'],
    [{ 'flock-source-path': '..%2Fetc' }, 'Invalid flock-source-path header: must be a relative folder path inside the repository'],
    [{ 'flock-build-command': '%E0%A4%A' }, 'Invalid flock-build-command header: not percent-encoded UTF-8'],
    [{ 'flock-build-command': 'a%00b' }, 'Invalid flock-build-command header: contains control characters'],
  ])('refuses bad provenance %j with 400 and stores nothing', async (headers, message) => {
    const before = (await registry.db.selectFrom('versions').select('id').execute()).length;
    const response = await put('refused', headers);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });
    expect((await registry.db.selectFrom('versions').select('id').execute()).length).toBe(before);
  });
});
