import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FlockError, checkTree, createCosigner, createTileHashReader, openCheckpoint, parseSignedNote, parseVerifierKey, proveTree, tilePath,
  type Checkpoint, type Cosigner, type NoteVerifier,
} from '@flock/core';
import { readCapped } from '../read-capped.js';

/**
 * `flock-registry witness` (issue 15): watches one registry's transparency log and cosigns each
 * checkpoint it has checked is consistent with every checkpoint it saw before (C2SP
 * tlog-cosignature), posting the cosignature to the registry. It keeps, in its state folder, the
 * log's key (pinned on first use, or given) and the largest checkpoint it verified; a log that
 * rolls back or forks is never cosigned again, whatever it shows later. It needs no access to
 * the registry's database: it may run anywhere that reaches the registry over HTTP.
 */

export interface WitnessOptions {
  /** The registry's base URL. */
  log: string;
  cosigner: Cosigner;
  stateDir: string;
  /** The log's verifier key; else the key the registry shows the first time, kept in the state folder. */
  logKey?: string;
  now?: () => Date;
}

/** One round's outcome: the sizes cosigned (oldest first). */
export interface WitnessRound {
  origin: string;
  cosigned: number[];
}

const TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 1024 * 1024;
const describe = (c: Checkpoint) => `size ${c.size} root ${Buffer.from(c.hash).toString('base64')}`;

/** The witness key from its seed file, created (32 random bytes, hex, mode 0600) when missing. */
export async function loadCosigner(name: string, keyFile: string): Promise<Cosigner> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    text = await readFile(keyFile, 'utf8');
  }
  const seed = text.trim();
  if (!/^[0-9a-f]{64}$/.test(seed)) throw new FlockError('bad_request', `${keyFile} must hold 64 hex digits (a witness key's seed)`);
  return createCosigner(name, Buffer.from(seed, 'hex'));
}

async function get(url: string): Promise<{ status: number; body: Buffer }> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new FlockError('unavailable', `Could not reach ${url}: ${(error as Error).message}`);
  }
  const body = await readCapped(response, MAX_ANSWER_BYTES);
  if (body === null) throw new FlockError('bad_request', `${url} answered more than ${MAX_ANSWER_BYTES} bytes`);
  return { status: response.status, body };
}

async function getOk(url: string, what: string): Promise<Buffer> {
  const { status, body } = await get(url);
  if (status !== 200) throw new FlockError('unavailable', `Could not read the log's ${what}: ${url} answered ${status}`);
  return body;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, path);
}

export function createWitness(options: WitnessOptions) {
  const base = options.log.replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  const keyPath = join(options.stateDir, 'log-key');
  const checkpointPath = join(options.stateDir, 'checkpoint');

  async function logVerifier(): Promise<NoteVerifier> {
    const served = (await getOk(`${base}/log/key`, 'key')).toString('utf8').trim();
    const stored = (await readFile(keyPath, 'utf8').catch(() => null))?.trim() ?? null;
    const pinned = options.logKey ?? stored ?? served;
    if (served !== pinned) throw new FlockError('conflict', `The log's key changed: the witness trusts ${pinned.split('+').slice(0, 2).join('+')}, ${base} shows ${served.split('+').slice(0, 2).join('+')}`);
    const verifier = parseVerifierKey(pinned);
    if (stored === null) await writeAtomic(keyPath, `${pinned}\n`);
    return verifier;
  }

  /** Checks `next` against the largest checkpoint verified before, in whichever direction is a prefix. */
  async function checkConsistent(previous: Checkpoint, next: Checkpoint): Promise<void> {
    const [small, large] = next.size >= previous.size ? [previous, next] : [next, previous];
    const forked = () => new FlockError('conflict', `The log forked: the witness verified ${describe(previous)}, and the log now shows ${describe(next)}, which is not consistent with it`);
    if (small.size === large.size) {
      if (!Buffer.from(small.hash).equals(Buffer.from(large.hash))) throw forked();
      return;
    }
    const reader = createTileHashReader(large.size, async (tile) => getOk(`${base}/log/${tilePath(tile)}`, tilePath(tile)));
    try {
      checkTree(await proveTree(large.size, small.size, reader.read), large.size, large.hash, small.size, small.hash);
    } catch (error) {
      if (error instanceof FlockError && error.code === 'unavailable') throw error;
      throw forked();
    }
  }

  async function post(text: string, line: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${base}/api/v1/log/cosignatures`, {
        method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${text}\n${line}`, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new FlockError('unavailable', `Could not post the cosignature to ${base}: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const answer = (await response.text()).slice(0, 300);
      let message = answer;
      try {
        message = (JSON.parse(answer) as { error?: string }).error ?? answer;
      } catch { /* not JSON: the text as it came */ }
      throw new FlockError('bad_request', `${base} refused the cosignature (${response.status}): ${message}`);
    }
  }

  /** Fetches the log's newest checkpoint (and the newest another witness cosigned), checks and cosigns them. */
  async function round(): Promise<WitnessRound> {
    await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
    const verifier = await logVerifier();
    const origin = verifier.name;
    const notes = [await getOk(`${base}/log/checkpoint`, 'checkpoint')];
    // Cosigning what others cosigned too lets witnesses that look at different moments agree on one checkpoint.
    const witnessed = await get(`${base}/log/witnessed-checkpoint?quorum=1`);
    if (witnessed.status === 200) notes.push(witnessed.body);
    const checkpoints = notes
      .map((note) => ({ note, checkpoint: openCheckpoint(note, [verifier], origin) }))
      .sort((a, b) => a.checkpoint.size - b.checkpoint.size)
      .filter((c, i, all) => i === 0 || c.checkpoint.size !== all[i - 1]!.checkpoint.size);
    const cosigned: number[] = [];
    for (const { note, checkpoint } of checkpoints) {
      const storedNote = await readFile(checkpointPath).catch(() => null);
      const previous = storedNote === null ? null : openCheckpoint(storedNote, [verifier], origin);
      if (previous !== null) await checkConsistent(previous, checkpoint);
      if (previous === null || checkpoint.size > previous.size) await writeAtomic(checkpointPath, note.toString('utf8'));
      const { text } = parseSignedNote(note);
      await post(text, options.cosigner.cosign(text, Math.floor(now().getTime() / 1000)));
      cosigned.push(checkpoint.size);
    }
    return { origin, cosigned };
  }

  return { round };
}
