import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { copyExample, runFlock, tempDir, type RunResult } from '../../../test-support/cli.js';
import { answerWith, BAD_ANSWERS, startFakeServer, type Answer, type FakeServer } from './fake-server.js';

const TOKEN = `flock_${'a'.repeat(38)}`;

/** Every command that reads what the registry answers; `login` gets the token on stdin instead of FLOCK_TOKEN. */
const COMMANDS: Record<string, string[]> = {
  whoami: ['whoami'],
  search: ['search', 'colour'],
  show: ['show', 'your-name/palette'],
  login: ['login'],
  yank: ['yank', 'your-name/palette@0.1.0'],
  'access set': ['access', 'set', 'your-name/palette', 'private'],
  install: ['install'],
};

/** More JSON readers, run only against the two answers their shape checks are about (each run costs a process). */
const MORE_COMMANDS: Record<string, string[]> = {
  'token list': ['token', 'list'],
  'token create': ['token', 'create'],
  'org create': ['org', 'create', 'team'],
  'org members': ['org', 'members', 'your-name'],
  deprecate: ['deprecate', 'your-name/palette', '--message', 'use your-name/paint'],
  verify: ['verify', 'your-name/palette@0.1.0'],
};
const ARGS: Record<string, string[]> = { ...COMMANDS, ...MORE_COMMANDS };

/** Exit 1 and exactly one line on stderr, never a stack trace. */
function expectOneLineFailure(expect: ExpectStatic, result: RunResult): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(/^[^\n]+\n$/);
  expect(result.stderr).not.toMatch(/^\s*at |unexpected error/m);
}

describe('flock against servers that are not a registry, or broken ones', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  const servers = new Map<string, FakeServer>();
  let n = 0;

  /** A fresh HOME and a project depending on your-name/palette, for one run. */
  async function caseDir(): Promise<{ home: string; project: string }> {
    const root = join(dir.path, `case-${++n}`);
    const project = join(root, 'app');
    await mkdir(join(root, 'home'), { recursive: true });
    await mkdir(project);
    await writeFile(join(project, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n"your-name/palette" = "0.1"\n');
    return { home: join(root, 'home'), project };
  }

  async function serve(answer: Answer): Promise<FakeServer> {
    const server = await startFakeServer(answer);
    servers.set(`extra-${++n}`, server);
    return server;
  }

  beforeAll(async () => {
    dir = await tempDir();
    for (const [name, { answer }] of Object.entries(BAD_ANSWERS)) servers.set(name, await startFakeServer(answer));
  });
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
    await dir?.cleanup();
  });

  const cases = [
    ...Object.keys(BAD_ANSWERS).flatMap((answer) => Object.keys(COMMANDS).map((command) => [answer, command] as const)),
    ...['a plain-text "hello"', 'an empty JSON object'].flatMap((answer) => Object.keys(MORE_COMMANDS).map((command) => [answer, command] as const)),
  ];
  it.concurrent.for(cases)('%s: flock %s fails in one line and claims nothing', async ([answer, command], { expect }) => {
    const server = servers.get(answer)!;
    const { home, project } = await caseDir();
    const login = command === 'login';
    const result = await runFlock(ARGS[command]!, {
      cwd: project,
      env: { HOME: home, FLOCK_REGISTRY: server.url, ...(login ? {} : { FLOCK_TOKEN: TOKEN }) },
      ...(login ? { input: `${TOKEN}\n` } : {}),
    });
    expectOneLineFailure(expect, result);
    expect(result.stderr.trim()).toMatch(BAD_ANSWERS[answer]!.says);
    expect(result.stdout).toBe('');
    expect(existsSync(join(home, '.kestrel', 'credentials')), 'a failed login saves nothing').toBe(false);
    expect(existsSync(join(project, 'flock.lock'))).toBe(false);
  });

  it.concurrent.for(['a plain-text "hello"', 'an empty JSON object'])('publish against %s fails instead of printing its answer', async (answer, { expect }) => {
    const { home, project } = await caseDir();
    const palette = await copyExample('palette', project);
    const result = await runFlock(['publish', '--allow-dirty'], { cwd: palette, env: { HOME: home, FLOCK_REGISTRY: servers.get(answer)!.url, FLOCK_TOKEN: TOKEN } });
    expectOneLineFailure(expect, result);
    expect(result.stderr.trim()).toMatch(BAD_ANSWERS[answer]!.says);
    expect(result.lines.at(-1)).toMatch(/^Publishing your-name\/palette@0\.1\.0 to /);
  });

  it('publish fails when the documentation upload is not answered with {"ok":true}', async ({ expect }) => {
    const checksum = `sha256:${'0'.repeat(64)}`;
    const server = await serve((req, res) => {
      if (req.url?.endsWith('/docs')) answerWith(200, 'hello', 'text/plain')(req, res);
      else answerWith(200, JSON.stringify({ ok: true, checksum }), 'application/json')(req, res);
    });
    const { home, project } = await caseDir();
    const palette = await copyExample('palette', project);
    const result = await runFlock(['publish', '--allow-dirty'], { cwd: palette, env: { HOME: home, FLOCK_REGISTRY: server.url, FLOCK_TOKEN: TOKEN } });
    expectOneLineFailure(expect, result);
    expect(result.lines.slice(-2)).toEqual([`{"ok":true,"checksum":"${checksum}"}`, 'Uploading documentation...']);
    expect(server.requests.map((r) => r.split(' ')[0])).toEqual(['PUT', 'PUT']);
  });

  it('publish still prints a refusal raw (the documented contract), and a page that is not one in a single line', async ({ expect }) => {
    const refusing = await serve(answerWith(401, '{"error":"Invalid token"}', 'application/json'));
    const { home, project } = await caseDir();
    const palette = await copyExample('palette', project);
    const env = { HOME: home, FLOCK_TOKEN: TOKEN };
    const refused = await runFlock(['publish', '--allow-dirty'], { cwd: palette, env: { ...env, FLOCK_REGISTRY: refusing.url } });
    expect(refused.code).toBe(1);
    expect(refused.lines.at(-1)).toBe('{"error":"Invalid token"}');
    expect(refused.stderr).toBe('');

    const html = servers.get('a 500 HTML page')!;
    const broken = await runFlock(['publish', '--allow-dirty'], { cwd: palette, env: { ...env, FLOCK_REGISTRY: html.url } });
    expect(broken.code).toBe(1);
    expect(broken.lines.at(-1)).toBe(`The registry at ${html.url} answered HTTP 500 (text/html)`);
    expect(broken.stdout).not.toContain('<');
  });

  it('a refusal with an empty or HTML body is never an empty or multi-line message', async ({ expect }) => {
    const { home, project } = await caseDir();
    for (const name of ['an empty 404', 'a 500 HTML page']) {
      const url = servers.get(name)!.url;
      const whoami = await runFlock(['whoami'], { cwd: project, env: { HOME: home, FLOCK_REGISTRY: url, FLOCK_TOKEN: TOKEN } });
      expect(whoami.stderr).toBe(`The registry at ${url} answered ${name === 'an empty 404' ? 'HTTP 404 (empty body)' : 'HTTP 500 (text/html)'}\n`);
    }
    // The registry's own error JSON is still shown as it came.
    const refusing = await serve(answerWith(401, '{"error":"Invalid token"}', 'application/json'));
    const whoami = await runFlock(['whoami'], { cwd: project, env: { HOME: home, FLOCK_REGISTRY: refusing.url, FLOCK_TOKEN: TOKEN } });
    expect(whoami.stderr).toBe('{"error":"Invalid token"}\n');
    const yank = await runFlock(['yank', 'your-name/palette@0.1.0'], { cwd: project, env: { HOME: home, FLOCK_REGISTRY: refusing.url, FLOCK_TOKEN: TOKEN } });
    expect(yank.stderr).toBe('Cannot yank your-name/palette@0.1.0: Invalid token\n');
  });
});
