import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

export interface FakeServer {
  url: string;
  /** "METHOD /path" of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1 that is not a Flock registry (or is a broken one):
 * what a mistyped FLOCK_REGISTRY may point at. The request body is read to
 * the end before `answer` runs, so an upload is never cut off by the answer.
 */
export async function startFakeServer(answer: Answer): Promise<FakeServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.on('end', () => answer(req, res));
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Answers `body` with `status` and, when given, a content type. */
export const answerWith = (status: number, body: string, contentType?: string): Answer => (_req, res) => {
  res.writeHead(status, contentType ? { 'content-type': contentType } : {});
  res.end(body);
};

/**
 * What servers that are not a registry, or broken ones, answer to every
 * request, and what flock's one-line failure must then say.
 */
export const BAD_ANSWERS: Record<string, { answer: Answer; says: RegExp }> = {
  'a plain-text "hello"': { answer: answerWith(200, 'hello', 'text/plain'), says: /did not answer with valid JSON: HTTP 200 \(text\/plain\)$/ },
  'an empty JSON object': { answer: answerWith(200, '{}', 'application/json'), says: /answered JSON without the fields flock expects: HTTP 200 \(application\/json\)$/ },
  // install reads the index first, and a 404 there means "no such package".
  'an empty 404': { answer: answerWith(404, ''), says: /HTTP 404 \(empty body\)$|^Package your-name\/palette not found at / },
  'a 500 HTML page': {
    answer: answerWith(500, '<!doctype html>\n<html>\n<body><h1>Internal Server Error</h1></body>\n</html>\n', 'text/html; charset=utf-8'),
    says: /HTTP 500 \(text\/html\)$/,
  },
  'a redirect to an unparsable Location': {
    answer: (_req, res) => {
      res.writeHead(302, { location: 'http://[' });
      res.end();
    },
    says: /redirected to an invalid address/,
  },
  'a body cut off mid-transfer': {
    answer: (_req, res) => {
      // Promises 1000 bytes, sends a few, then drops the connection.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"username":"al', () => res.destroy());
    },
    says: /was cut off/,
  },
};

/**
 * Passes each request on to `target` (a real registry) and its answer back:
 * in front of a registry, a FakeServer's `requests` are every request flock
 * made to it. Request bodies are not passed on (the server reads them away).
 */
export const forwardTo = (target: string): Answer => (req, res) => {
  const headers = req.headers.authorization ? { authorization: req.headers.authorization } : undefined;
  fetch(`${target}${req.url}`, { method: req.method, headers, redirect: 'manual' }).then(async (answer) => {
    const body = Buffer.from(await answer.arrayBuffer());
    // Location too: with an S3 store a download answers with a redirect to the bucket.
    const location = answer.headers.get('location');
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream', ...(location ? { location } : {}) });
    res.end(body);
  }, () => {
    res.writeHead(502);
    res.end();
  });
};
