import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote, sha256Hex, type VersionDto } from '@flock/core';
import { FLOCK_BIN, runFlock, tempDir } from '../../../test-support/cli.js';
import { paxRecord, rawTarGz } from '../../../test-support/raw-tar.js';
import { answerWith, startFakeServer, type FakeServer } from './fake-server.js';

// Settings, tokens and registry answers are input too: each bad one is one line, and a token is never echoed.
describe('bad registry URLs, malformed tokens, the hidden prompt and registry-supplied git arguments', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  const servers: FakeServer[] = [];
  let n = 0;

  async function newHome(): Promise<string> {
    const home = join(dir.path, `home-${++n}`);
    await mkdir(join(home, '.kestrel'), { recursive: true });
    return home;
  }

  async function serve(...args: Parameters<typeof startFakeServer>): Promise<FakeServer> {
    const server = await startFakeServer(...args);
    servers.push(server);
    return server;
  }

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await dir?.cleanup();
  });

  it.concurrent.for(['127.0.0.1:7878', 'http://', 'not a url', 'http://[::1', 'ftp://127.0.0.1/', 'file:///etc/passwd'])(
    'FLOCK_REGISTRY=%s is refused in one line',
    async (url, { expect }) => {
      const result = await runFlock(['whoami'], { cwd: dir.path, env: { HOME: await newHome(), FLOCK_REGISTRY: url, FLOCK_TOKEN: 'flock_abc' } });
      expect(result.stderr).toBe(`FLOCK_REGISTRY is not an http(s) URL: ${JSON.stringify(url)}\n`);
      expect(result.code).toBe(1);
    },
  );

  it('a bad `registry` in config.toml is an error, never a fallback to the public registry', async () => {
    for (const [line, message] of [
      ['registry = "nope"', 'is not an http(s) URL: "nope"'],
      ['registry = 5', 'must be an http(s) URL (a string)'],
    ] as const) {
      const home = await newHome();
      const config = join(home, '.kestrel', 'config.toml');
      await writeFile(config, `${line}\n`);
      const result = await runFlock(['whoami'], { cwd: dir.path, env: { HOME: home, FLOCK_TOKEN: 'flock_abc' } });
      expect(result.stderr, line).toBe(`registry in ${config} ${message}\n`);
      expect(result.code).toBe(1);
    }
  });

  it('a token with whitespace or control characters is refused where it is read, without quoting it or sending it', async () => {
    const server = await serve(answerWith(200, '{"username":"x","orgs":[]}', 'application/json'));
    const bad = 'flock_secretA\nflock_secretB';
    const fromEnv = await runFlock(['whoami'], { cwd: dir.path, env: { HOME: await newHome(), FLOCK_REGISTRY: server.url, FLOCK_TOKEN: bad } });
    expect(fromEnv.stderr).toBe('Invalid token in FLOCK_TOKEN: it contains whitespace, control or non-ASCII characters\n');

    const home = await newHome();
    const credentials = join(home, '.kestrel', 'credentials');
    await writeFile(credentials, 'flock_secretA flock_secretB\n');
    const fromFile = await runFlock(['whoami'], { cwd: dir.path, env: { HOME: home, FLOCK_REGISTRY: server.url } });
    expect(fromFile.stderr).toBe(`Invalid token in ${credentials}: it contains whitespace, control or non-ASCII characters\n`);

    const loginHome = await newHome();
    const login = await runFlock(['login'], { cwd: dir.path, env: { HOME: loginHome, FLOCK_REGISTRY: server.url }, input: `${bad}\n` });
    expect(login.stderr).toBe('Invalid token in stdin: it contains whitespace, control or non-ASCII characters\n');
    expect(existsSync(join(loginHome, '.kestrel', 'credentials'))).toBe(false);

    for (const result of [fromEnv, fromFile, login]) {
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).not.toContain('secret');
    }
    expect(server.requests).toEqual([]);
  });

  // util-linux's `script` gives `flock login` a real terminal, so the hidden prompt (raw mode) is what runs.
  const hasScript = existsSync('/usr/bin/script');
  if (!hasScript) console.warn('skipping the hidden-prompt tests: /usr/bin/script (util-linux) is not installed');
  it.skipIf(!hasScript).for([
    ['Ctrl-C', '\x03', 130, 'Interrupted'],
    ['Ctrl-D', '\x04', 1, 'No token given.'],
  ] as const)('%s at the hidden token prompt ends flock login cleanly', async ([, key, code, message]) => {
    const server = await serve(answerWith(200, '{"username":"x","orgs":[]}', 'application/json'));
    const home = await newHome();
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(FLOCK_BIN)} login`;
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: dir.path, env: { PATH: process.env.PATH ?? '', HOME: home, FLOCK_REGISTRY: server.url } });
      let output = '';
      let pressed = false;
      // Without a settled prompt the child would wait for ever; stop it well before the test's timeout.
      const timer = setTimeout(() => child.kill(), 20_000);
      child.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        if (output.includes('Token: ') && !pressed) {
          pressed = true;
          child.stdin!.write(key);
        }
      });
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, output });
      });
    });
    expect(result.output).toContain(`\r\n${message}\r\n`);
    expect(result.code).toBe(code);
    expect(existsSync(join(home, '.kestrel', 'credentials'))).toBe(false);
    expect(server.requests).toEqual([]);
  });

  /** A registry whose only version of your-name/palette says it was built from `provenance`. */
  async function registryWith(provenance: Partial<NonNullable<VersionDto['provenance']>>): Promise<FakeServer> {
    const version: VersionDto = {
      org: 'your-name', name: 'palette', version: '0.1.0', checksum: `sha256:${'0'.repeat(64)}`, size: 1,
      description: null, license: null, keywords: [], repository: null, dependencies: [], yanked: false, yankReason: null,
      publisher: 'your-name', publishedAt: '2025-01-01T00:00:00.000Z', hasDocs: false, logIndex: null,
      provenance: { repository: '/nowhere', commit: 'a'.repeat(40), dirty: false, path: '', buildCommand: null, ...provenance },
      trustedPublisher: null, flags: [], rebuild: null,
    };
    return serve((req, res) => {
      if (req.url?.endsWith('/download')) answerWith(200, 'not really an archive', 'application/gzip')(req, res);
      // No transparency log (flock notes that and goes on to the rebuild, which is what is tested here).
      else if (req.url?.startsWith('/log/')) answerWith(404, '{"error":"Not found"}', 'application/json')(req, res);
      else answerWith(200, JSON.stringify(version), 'application/json')(req, res);
    });
  }

  it('flock verify never lets a registry-supplied repository or path act as a git option or leave the clone', async () => {
    const marker = join(dir.path, 'upload-pack-ran');
    const repository = `--upload-pack=touch ${marker}`;
    const option = await registryWith({ repository });
    const cloned = await runFlock(['verify', 'your-name/palette@0.1.0'], { cwd: dir.path, env: { HOME: await newHome(), FLOCK_REGISTRY: option.url } });
    expect(cloned.stderr.split('\n').at(-2)).toBe(`Could not clone ${repository}: fatal: repository '${repository}' does not exist`);
    expect(cloned.code).toBe(1);
    expect(existsSync(marker)).toBe(false);

    const outside = await registryWith({ path: '../..' });
    const escaped = await runFlock(['verify', 'your-name/palette@0.1.0'], { cwd: dir.path, env: { HOME: await newHome(), FLOCK_REGISTRY: outside.url } });
    expect(escaped.stderr.split('\n').at(-2)).toBe('The recorded package path "../.." is outside the repository');
    expect(escaped.code).toBe(1);
  });

  /** A registry whose only package, acme/deep@1.0.0, is `archive`, with the index vouching for its checksum. */
  async function registryServing(archive: Buffer, extra: Record<string, unknown> = {}): Promise<FakeServer> {
    const line = { version: '1.0.0', dependencies: {}, checksum: `sha256:${sha256Hex(archive)}`, yanked: false, ...extra };
    return serve((req, res) => {
      if (req.url === '/index/acme/deep') answerWith(200, `${JSON.stringify(line)}\n`, 'application/x-ndjson')(req, res);
      else if (req.url === '/api/v1/packages/acme/deep/1.0.0/download') {
        res.writeHead(200, { 'content-type': 'application/gzip' });
        res.end(archive);
      } else answerWith(404, '{"error":"Not found"}', 'application/json')(req, res);
    });
  }

  const deepPath = `deep-1.0.0/${'a/'.repeat(40_000)}f`;
  it.each([
    ['a pax path 40,000 folders deep', { path: 'deep-1.0.0/x', paxPath: deepPath, body: Buffer.from('x') }, `Archive entry ${quote(deepPath)} is 40001 levels deep; the limit is 64`],
    ['a pax path with a NUL byte', { path: 'deep-1.0.0/x', paxBody: paxRecord('path', 'deep-1.0.0/x\0.exe'), body: Buffer.from('x') }, 'Archive pax header at byte 1536 has a NUL byte in "path"'],
  ])('flock install refuses an archive with %s in one line and unpacks nothing', async (_what, entry, message) => {
    const archive = rawTarGz([{ path: 'deep-1.0.0/flock.toml', body: Buffer.from('[package]\nname = "deep"\nversion = "1.0.0"\norg = "acme"\n') }, entry]);
    const registry = await registryServing(archive);
    const project = join(dir.path, `project-${++n}`);
    await mkdir(project);
    await writeFile(join(project, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\norg = "acme"\n\n[dependencies]\n"acme/deep" = "1.0.0"\n');
    const result = await runFlock(['install'], { cwd: project, env: { HOME: await newHome(), FLOCK_REGISTRY: registry.url } });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    // This registry has no transparency log (404): accepted on first use with one note (see transparency-log.test.ts).
    expect(result.stderr).toBe(`note: the registry at ${registry.url} has no transparency log, so nothing was checked against one\n${message}\n`);
    // Only the (empty) folder for the org's packages is left; nothing of the archive was written.
    expect(await readdir(join(project, '.flock', 'deps', 'acme')).catch(() => [])).toEqual([]);
    expect(existsSync(join(project, 'flock.lock'))).toBe(false);
  });

  it('a deprecation message from the index cannot reach the terminal raw: the warning escapes control characters', async () => {
    const archive = rawTarGz([{ path: 'deep-1.0.0/flock.toml', body: Buffer.from('[package]\nname = "deep"\nversion = "1.0.0"\norg = "acme"\n') }]);
    const registry = await registryServing(archive, { deprecated: 'gone\u001b[2J\nfake: line' });
    const project = join(dir.path, `project-${++n}`);
    await mkdir(project);
    await writeFile(join(project, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\norg = "acme"\n\n[dependencies]\n"acme/deep" = "1.0.0"\n');
    const result = await runFlock(['install'], { cwd: project, env: { HOME: await newHome(), FLOCK_REGISTRY: registry.url } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`warning: acme/deep is deprecated: gone\\u001b[2J\\u000afake: line\nnote: the registry at ${registry.url} has no transparency log, so nothing was checked against one\n`);
  });
});
