import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a raw HTTP answer into status, headers (lowercased names) and body; null until the headers are in. */
function parseAnswer(received: Buffer): (RawAnswer & { complete: boolean }) | null {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = received.subarray(end + 4);
  const complete = headers['content-length'] !== undefined && body.length >= Number(headers['content-length']);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8'), complete };
}

/**
 * Writes `parts` to a raw socket and reads one HTTP answer, without ever
 * finishing the request body: an answer proves the server refused early
 * instead of waiting for (and keeping) the rest. No answer in 5 s fails.
 */
function rawRequest(url: string, parts: string[]): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const finish = (result: RawAnswer | Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve({ status: result.status, headers: result.headers, body: result.body });
    };
    const timer = setTimeout(() => finish(new Error(`no answer in 5 s; got ${JSON.stringify(received.toString('latin1').slice(0, 200))}`)), 5000);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = parseAnswer(received);
      if (answer?.complete) finish(answer);
    });
    // The server may close the connection once it has answered: whatever arrived is the answer.
    const closed = () => finish(parseAnswer(received) ?? new Error(`closed after ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
    socket.on('end', closed);
    socket.on('error', closed);
    socket.on('connect', () => parts.forEach((part) => socket.write(part)));
  });
}

const FORM = 'application/x-www-form-urlencoded';
const MEGS_2 = 2 * 1024 * 1024;
const count = async (registry: TestRegistry, table: 'orgs' | 'tokens' | 'versions') =>
  Number((await registry.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('request bodies: form size limits, forms sent to the API, malformed HTTP', () => {
  let registry: TestRegistry;
  let cookie: string;
  let csrf: string;
  const host = () => new URL(registry.url).host;
  /** A form post's head, declaring `length` bytes of body. */
  const formPost = (path: string, length: number, extraHeaders = '') =>
    `POST ${path} HTTP/1.1\r\nHost: ${host()}\r\n${extraHeaders}Content-Type: ${FORM}\r\nContent-Length: ${length}\r\n\r\n`;

  beforeAll(async () => {
    registry = await createTestRegistry();
    const signup = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=ada&password=a+long+password',
      headers: { 'content-type': FORM, origin: registry.url },
    });
    expect(signup.status).toBe(303);
    cookie = signup.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!.split(';')[0]!;
    csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${registry.url}/account`, { headers: { cookie } })).text())![1]!;
  });
  afterAll(() => registry?.close());

  it('an oversized form to /login is refused with 413 by its Content-Length, before the body arrives', async () => {
    // A page's refusal is the HTML error page, as for every other refused form.
    const big = await rawRequest(registry.url, [formPost('/login', MEGS_2), `username=ada&password=${'a'.repeat(MEGS_2 - 22)}`]);
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/^text\/html/);
    expect(big.body).toContain('Form bodies are limited to 64 KiB');
    // Declares 400 MB and sends 1 KB of it: the answer comes without the rest.
    const early = await rawRequest(registry.url, [formPost('/login', 400_000_000), 'a'.repeat(1024)]);
    expect(early.status).toBe(413);
    // Hono's parseBody takes the media type case-insensitively, and so does the limit.
    const mixedCase = await rawRequest(registry.url, [
      `POST /login HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: Application/X-WWW-Form-URLEncoded\r\nContent-Length: 400000000\r\n\r\n`, 'a'.repeat(1024),
    ]);
    expect(mixedCase.status).toBe(413);
  });

  it('an oversized form to the API with a bogus session is refused with 413 JSON, declared or streamed; a smaller streamed form works', async () => {
    const declared = await rawRequest(registry.url, [formPost('/api/v1/orgs', MEGS_2, 'Cookie: flock_session=bogus\r\n'), `_csrf=x&name=${'a'.repeat(MEGS_2 - 13)}`]);
    expect(declared.status).toBe(413);
    expect(declared.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(declared.body)).toEqual({ error: 'Form bodies are limited to 64 KiB' });
    // Chunked, no Content-Length, never finished: refused once 64 KiB have passed.
    const chunk = `10000\r\n${'a'.repeat(0x10000)}\r\n`;
    const streamed = await rawRequest(registry.url, [
      `POST /api/v1/orgs HTTP/1.1\r\nHost: ${host()}\r\nCookie: flock_session=bogus\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n\r\n`, chunk, chunk,
    ]);
    expect(streamed.status).toBe(413);
    expect(streamed.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(streamed.body)).toEqual({ error: 'Form bodies are limited to 64 KiB' });
    expect(await count(registry, 'orgs')).toBe(1);
    // A streamed form under the limit is kept (the limit buffers it) for the CSRF check and the page alike.
    const body = new TextEncoder().encode(`_csrf=${csrf}&name=streamed`);
    const stream = new ReadableStream<Uint8Array>({ start(controller) { controller.enqueue(body.subarray(0, 10)); controller.enqueue(body.subarray(10)); controller.close(); } });
    const response = await fetch(`${registry.url}/account/orgs`, {
      method: 'POST', redirect: 'manual', body: stream, duplex: 'half', headers: { cookie, 'content-type': FORM, origin: registry.url },
    } as RequestInit);
    expect(response.status).toBe(303);
    expect((await registry.db.selectFrom('orgs').select('name').where('name', '=', 'streamed').execute()).length).toBe(1);
  });

  it('a session call to a JSON or archive endpoint with a form body gets a 4xx JSON answer, never 500, and stores nothing', async () => {
    const before = { orgs: await count(registry, 'orgs'), tokens: await count(registry, 'tokens'), versions: await count(registry, 'versions') };
    const calls: [string, string][] = [
      ['POST', '/api/v1/orgs'], ['POST', '/api/v1/tokens'], ['PUT', '/api/v1/packages/ada/thing/1.0.0'],
      ['PUT', '/api/v1/packages/ada/thing/1.0.0/docs'], ['POST', '/api/v1/orgs/ada/members'], ['PUT', '/api/v1/orgs/ada/store'],
    ];
    for (const [method, path] of calls) {
      // With the form's CSRF field only (as curl would send it), and with our own Origin (as a page's script would).
      for (const extra of [{}, { origin: registry.url }] as Record<string, string>[]) {
        const response = await fetch(`${registry.url}${path}`, {
          method, body: `_csrf=${csrf}&name=x&username=ada&role=member`, headers: { cookie, 'content-type': FORM, ...extra },
        });
        expect(response.status, `${method} ${path} ${JSON.stringify(extra)}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${method} ${path} ${JSON.stringify(extra)}`).toBeLessThan(500);
        const answer = (await response.json()) as { error: string };
        expect(typeof answer.error).toBe('string');
      }
    }
    expect({ orgs: await count(registry, 'orgs'), tokens: await count(registry, 'tokens'), versions: await count(registry, 'versions') }).toEqual(before);
    expect(await registry.listBlobs()).toEqual([]);
  });

  it("Node's HTTP parser refusals answer with a JSON error", async () => {
    const huge = await rawRequest(registry.url, [`GET / HTTP/1.1\r\nHost: ${host()}\r\nX-Filler: ${'a'.repeat(20 * 1024)}\r\n\r\n`]);
    expect(huge.status).toBe(431);
    expect(huge.headers['content-type']).toBe('application/json');
    expect(JSON.parse(huge.body)).toEqual({ error: expect.stringMatching(/headers/i) });
    // Answered before Hono sees the request, yet with the headers every answer carries.
    expect(huge.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'strict-origin-when-cross-origin' });
    // As a client sees it: a 100 KB header gets the JSON answer, not a reset connection.
    const viaFetch = await fetch(`${registry.url}/api/v1/me`, { headers: { 'x-filler': 'a'.repeat(100 * 1024) } });
    expect([viaFetch.status, await viaFetch.json()]).toEqual([431, { error: 'Request headers are too large' }]);
    const negative = await rawRequest(registry.url, [`POST /api/v1/orgs HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: -5\r\n\r\n`]);
    expect(negative.status).toBe(400);
    expect(negative.headers['content-type']).toBe('application/json');
    expect(JSON.parse(negative.body)).toEqual({ error: expect.any(String) });
  });
});
