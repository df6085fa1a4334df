import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A PostgreSQL server of the test's own, on another port, that the test may
 * stop and start (the shared one on 5432 is never touched): for outages.
 */
export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** pg_ctl stop: 'fast' ends sessions politely (57P01), 'immediate' drops them (like a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes its folder. */
  remove(): Promise<void>;
}

/** The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/VERSION/bin; null when absent. */
export function findPostgresBin(): string | null {
  const onPath = (process.env.PATH ?? '').split(delimiter).find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (onPath) return onPath;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(debian, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb'))) ?? null;
}

/** A port nothing listens on right now (the OS picked it, then it was let go). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function output(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(bin, args, (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))));
}

/** PostgreSQL refuses to run as root: as root, its tools run as the postgres user. */
async function postgresOwner(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  return { uid: Number(await output('id', ['-u', 'postgres'])), gid: Number(await output('id', ['-g', 'postgres'])) };
}

function run(bin: string, args: string[], owner: { uid: number; gid: number } | null): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { ...(owner ? owner : {}), env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

export async function startThrowawayPostgres(binDir: string): Promise<ThrowawayPostgres> {
  const owner = await postgresOwner();
  const dir = await mkdtemp(join(tmpdir(), 'flock-pg-'));
  const data = join(dir, 'data');
  if (owner) await chown(dir, owner.uid, owner.gid);
  const port = await freePort();
  const pgCtl = join(binDir, 'pg_ctl');
  await run(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync'], owner);
  const start = () => run(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start'], owner);
  let running = false;
  await start();
  running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop(mode = 'fast') {
      await run(pgCtl, ['-D', data, '-m', mode, '-w', 'stop'], owner);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async remove() {
      if (running) await run(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], owner).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
