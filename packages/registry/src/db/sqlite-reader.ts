import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';

/**
 * Read-only queries on their own thread, with their own connection to the SQLite file. better-sqlite3 is
 * synchronous, so a query run on the server's connection blocks every other request until it ends;
 * search (which can read thousands of rows) runs here instead, and other requests go on meanwhile.
 * WAL mode (set by openDatabase) lets this reader and the writer work side by side.
 */
export interface SqliteReader {
  all<R>(query: CompiledQuery): Promise<R[]>;
  /** How many statements this thread has run (for tests: proof that a query ran here). */
  readonly ran: number;
  close(): Promise<void>;
}

// The worker is a script string (not a file) so it runs the same from the compiled server and from the
// TypeScript sources under test; it loads the driver by absolute path.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map();
parentPort.on('message', ({ id, sql, parameters }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      // Searches of 1 to 16 words give a few dozen statements; the bound is for safety only.
      if (statements.size >= 200) statements.clear();
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    parentPort.postMessage({ id, rows: statement.all(...parameters) });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code } });
  }
});`;

export function openSqliteReader(path: string): SqliteReader {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const pending = new Map<number, { resolve(rows: unknown[]): void; reject(error: Error): void }>();
  let worker: Worker | null = null;
  let nextId = 0;
  let ran = 0;

  function start(): Worker {
    const started = new Worker(WORKER, { eval: true, workerData: { driver, path } });
    // The server's own handles keep the process alive; a reader must not.
    started.unref();
    started.on('message', ({ id, rows, error }: { id: number; rows?: unknown[]; error?: { message: string; code?: string } }) => {
      const waiting = pending.get(id);
      pending.delete(id);
      if (error) waiting?.reject(Object.assign(new Error(error.message), { code: error.code }));
      else waiting?.resolve(rows!);
    });
    // A reader that dies fails what it was asked; the next query starts a new one.
    const failAll = (error: Error) => {
      if (worker === started) worker = null;
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    };
    started.on('error', failAll);
    started.on('exit', (code) => failAll(new Error(`the SQLite reader thread exited (${code})`)));
    return started;
  }

  return {
    all<R>(query: CompiledQuery): Promise<R[]> {
      worker ??= start();
      const id = nextId++;
      ran++;
      const answer = new Promise<R[]>((resolve, reject) => pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject }));
      worker.postMessage({ id, sql: query.sql, parameters: query.parameters });
      return answer;
    },
    get ran() {
      return ran;
    },
    async close() {
      const running = worker;
      worker = null;
      await running?.terminate();
    },
  };
}
