import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FlockError } from '@flock/core/errors';
import { checkCosignatures, checkTree, openCheckpoint, parseCosignerKey, parseVerifierKey, proveTree, type Checkpoint, type CosignatureVerifier, type NoteVerifier } from '@flock/core/tlog';
import { apiFailure } from '../api-error.js';
import type { RegistryClient } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { kestrelDir, readConfig } from '../credentials.js';
import { readOptional, writeFileAtomic } from '../fs-write.js';
import { registryTileReader } from './tiles.js';

/**
 * The registry's transparency log as this client trusts it: the log key pinned on first use
 * (~/.kestrel/log/<host>/key, or `[log_keys]` in config.toml), and the last verified checkpoint
 * (~/.kestrel/log/<host>/checkpoint). A new checkpoint must be signed by the pinned key and
 * contain the stored one (a consistency proof from the registry's tiles), or it is a fork.
 */

export interface VerifiedLog {
  host: string;
  checkpoint: Checkpoint;
  /** A reader of the verified tree's hashes (tiles cached once the run's checks passed). */
  reader: ReturnType<typeof registryTileReader>;
  /** The size of the checkpoint stored before this run (null on first use). */
  previousSize: number | null;
  /** How many witnesses cosigned `checkpoint`, when config.toml requires witnesses for this registry. */
  witnessQuorum: number | null;
}

/** `[log_witnesses."host:port"]` in config.toml: `quorum` of the witness keys `keys` must have cosigned a checkpoint. */
interface WitnessPolicy {
  quorum: number;
  witnesses: CosignatureVerifier[];
  source: string;
}

/** "<name>+<key hash>": how a key is named in messages. */
const keyId = (vkey: string) => vkey.split('+').slice(0, 2).join('+');
const describe = (c: Checkpoint) => `size ${c.size} root ${Buffer.from(c.hash).toString('base64')}`;

function oneLineError(error: unknown): string {
  return error instanceof FlockError || error instanceof CliExit ? error.message : String(error);
}

/** The key the user set for this registry in config.toml (`[log_keys]`, "host:port" = "vkey"), if any. */
async function configuredKey(ctx: CommandContext, host: string): Promise<{ key: string; source: string } | null> {
  const file = await readConfig(ctx);
  const keys = file?.config.log_keys;
  if (keys === undefined) return null;
  const key = typeof keys === 'object' && keys !== null ? (keys as Record<string, unknown>)[host] : undefined;
  if (key === undefined) return null;
  if (typeof key !== 'string') throw new CliExit(`log_keys."${host}" in ${file!.path} must be a verifier key (a string)`);
  return { key: key.trim(), source: `log_keys."${host}" in ${file!.path}` };
}

async function witnessPolicy(ctx: CommandContext, host: string): Promise<WitnessPolicy | null> {
  const file = await readConfig(ctx);
  const table = file?.config.log_witnesses;
  const entry = typeof table === 'object' && table !== null ? (table as Record<string, unknown>)[host] : undefined;
  if (entry === undefined) return null;
  const source = `log_witnesses."${host}" in ${file!.path}`;
  const { quorum, keys } = (typeof entry === 'object' && entry !== null ? entry : {}) as { quorum?: unknown; keys?: unknown };
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 20 || !keys.every((k) => typeof k === 'string')) {
    throw new CliExit(`${source} must have keys = ["<witness verifier key>", …] (1 to 20)`);
  }
  const wanted = quorum ?? keys.length;
  if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 1 || wanted > keys.length) {
    throw new CliExit(`${source}: quorum must be a whole number from 1 to ${keys.length} (the number of keys)`);
  }
  const witnesses = keys.map((key: string) => {
    try {
      return parseCosignerKey(key.trim());
    } catch (error) {
      throw new CliExit(`${source}: ${oneLineError(error)}`);
    }
  });
  return { quorum: wanted, witnesses, source };
}

/** Checks a checkpoint note carries cosignatures by at least `quorum` of the policy's witnesses. */
function checkWitnessed(note: Uint8Array, policy: WitnessPolicy): void {
  let count: number;
  try {
    count = checkCosignatures(note, policy.witnesses).cosignatures.length;
  } catch (error) {
    throw new CliExit(`The registry's transparency log checkpoint has a bad cosignature: ${oneLineError(error)}`);
  }
  if (count < policy.quorum) {
    throw new CliExit(`The registry's transparency log checkpoint is cosigned by ${count} of the witnesses ${policy.source} requires, not ${policy.quorum}`);
  }
}

function verifierOf(vkey: string, source: string): NoteVerifier {
  try {
    return parseVerifierKey(vkey);
  } catch (error) {
    throw new CliExit(`The transparency log key from ${source} is not a verifier key: ${oneLineError(error)}`);
  }
}

export function logDir(ctx: CommandContext, client: RegistryClient): { host: string; dir: string; cacheDir: string } {
  const host = new URL(client.baseUrl).host;
  return { host, dir: join(kestrelDir(ctx), 'log', host), cacheDir: join(kestrelDir(ctx), 'cache', 'log', host) };
}

/**
 * Fetches the registry's checkpoint and checks it as described above; stores it once it verified.
 * Null when the registry has no log (both /log/key and /log/checkpoint 404) and none was seen before.
 */
export async function verifyLogHead(ctx: CommandContext, client: RegistryClient): Promise<VerifiedLog | null> {
  const { host, dir, cacheDir } = logDir(ctx, client);
  const keyPath = join(dir, 'key');
  const checkpointPath = join(dir, 'checkpoint');
  const policy = await witnessPolicy(ctx, host);
  // With witnesses required, the newest checkpoint enough of them cosigned; it may lag the newest by a round.
  const noteUrl = policy === null ? 'log/checkpoint' : `log/witnessed-checkpoint?quorum=${policy.quorum}`;
  const [keyAnswer, noteAnswer, configured, pinnedText, storedNote] = await Promise.all([
    client.request('log/key'), client.request(noteUrl), configuredKey(ctx, host), readOptional(keyPath), readOptional(checkpointPath),
  ]);
  const trusted = configured ?? (pinnedText === null ? null : { key: pinnedText.trim(), source: keyPath });
  // A registry without a log (older, or not Flock's) is accepted only if none was ever seen for it: trust on first use.
  if (keyAnswer.status === 404 && noteAnswer.status === 404 && policy === null) {
    if (trusted === null) return null;
    throw new CliExit(`The registry at ${client.baseUrl} no longer serves its transparency log, whose key flock trusts (${trusted.source})`);
  }
  if (!keyAnswer.ok) throw apiFailure(keyAnswer, "Could not read the registry's transparency log key");
  if (policy !== null && keyAnswer.ok && noteAnswer.status === 404) {
    throw new CliExit(`No checkpoint of the registry's transparency log is cosigned by ${policy.quorum} of the witnesses ${policy.source} requires yet (try again once they have cosigned)`);
  }
  if (!noteAnswer.ok) throw apiFailure(noteAnswer, "Could not read the registry's transparency log checkpoint");
  const served = keyAnswer.text.trim();
  const pinned = trusted?.key ?? served;
  const verifier = verifierOf(pinned, trusted?.source ?? `${client.baseUrl}/log/key`);
  if (trusted !== null && served !== pinned) {
    const reset = configured ? `change ${configured.source}` : `remove ${keyPath}`;
    throw new CliExit(`The registry's transparency log key changed: flock trusts ${keyId(pinned)}, the registry now shows ${keyId(served)} (if the change is expected, ${reset})`);
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(noteAnswer.bytes, [verifier], verifier.name);
  } catch (error) {
    throw new CliExit(`The registry's transparency log checkpoint does not verify with ${keyId(pinned)}: ${oneLineError(error)}`);
  }
  let previous: Checkpoint | null = null;
  if (storedNote !== null) {
    try {
      previous = openCheckpoint(storedNote, [verifier], verifier.name);
    } catch (error) {
      throw new CliExit(`${checkpointPath} does not verify with ${keyId(pinned)} (remove it to start again): ${oneLineError(error)}`);
    }
  }
  if (policy !== null) checkWitnessed(noteAnswer.bytes, policy);
  const reader = registryTileReader(client, cacheDir, checkpoint.size);
  // The witnessed checkpoint may be older than one seen before (without witnesses): then it must be a prefix of that one.
  const behind = policy !== null && previous !== null && checkpoint.size < previous.size;
  if (previous !== null) {
    const forked = `The registry's transparency log forked: it showed ${describe(previous)} before, and now ${describe(checkpoint)}, which does not contain it`;
    if (checkpoint.size < previous.size && !behind) throw new CliExit(forked);
    const [large, small] = behind ? [previous, checkpoint] : [checkpoint, previous];
    const largeReader = behind ? registryTileReader(client, cacheDir, large.size) : reader;
    const proof = await proveTree(large.size, small.size, largeReader.read).catch((error: unknown) => {
      throw new CliExit(`Could not prove the transparency log consistent from size ${small.size} to ${large.size}: ${oneLineError(error)}`);
    });
    try {
      checkTree(proof, large.size, large.hash, small.size, small.hash);
    } catch {
      throw new CliExit(forked);
    }
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (trusted === null) await writeFileAtomic(keyPath, `${served}\n`, { onInterrupt: ctx.onInterrupt });
  if (storedNote !== noteAnswer.text && !behind) await writeFileAtomic(checkpointPath, noteAnswer.text, { onInterrupt: ctx.onInterrupt });
  return { host, checkpoint, reader, previousSize: previous?.size ?? null, witnessQuorum: policy?.quorum ?? null };
}

/** The note for a registry without a log: one stderr line per run. */
export function noteNoLog(ctx: CommandContext, client: RegistryClient): void {
  ctx.err(`note: the registry at ${client.baseUrl} has no transparency log, so nothing was checked against one`);
}
