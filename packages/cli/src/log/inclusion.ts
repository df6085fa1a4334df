import { checkRecord, hideLogRecord, leafHash, parseLogRecord, proveRecord } from '@flock/core/tlog';
import { z } from 'zod';
import type { RegistryClient } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import type { VerifiedLog } from './head.js';

/** A version to find in the log: "org/name", version, and the archive checksum flock.lock holds. */
export interface LoggedVersion {
  package: string;
  version: string;
  checksum: string;
  /** Where `checksum` comes from, for the message: flock.lock unless said. */
  checksumFrom?: string;
}

const PARALLEL_LOOKUPS = 8;
const LOOKUP_ANSWER = z.object({
  index: z.number().int().nonnegative(),
  record: z.string().max(4096),
  salt: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
/** How the registry answers a lookup of a version published before the log began (routes/log.ts). */
const BEFORE_THE_LOG = /published before the transparency log/;
/** How a mirror (FLOCK_UPSTREAM) answers a lookup of a package it serves from its upstream: its upstream's log holds the record. */
const MIRRORED = /is mirrored from (\S+): this registry checks its archive against that registry's transparency log/;

/**
 * Checks that each version's publish record is in the verified tree and says what the lockfile
 * says: that org/name@version (for a private package: the hidden line is SHA-256(salt ‖ clear
 * record)) with the archive checksum. Returns the versions published before the log (no record).
 * Throws a one-line CliExit naming the package on the first mismatch.
 */
export async function checkVersionsInLog(
  ctx: CommandContext, client: RegistryClient, log: VerifiedLog, versions: readonly LoggedVersion[], after = '; nothing was installed',
): Promise<string[]> {
  const beforeLog: string[] = [];
  const mirrored = new Map<string, string[]>();
  const queue = [...versions];
  const one = async (v: LoggedVersion) => {
    const label = `${v.package}@${v.version}`;
    const fail = (why: string) => new CliExit(`${label} does not match the registry's transparency log: ${why}${after}`);
    const response = await client.request(`api/v1/log/lookup/${v.package}/${v.version}`, { auth: true });
    if (response.status === 404 && BEFORE_THE_LOG.test(response.text)) {
      beforeLog.push(label);
      return;
    }
    const upstream = response.status === 404 ? MIRRORED.exec(response.text)?.[1] : undefined;
    if (upstream !== undefined) {
      mirrored.set(upstream, [...(mirrored.get(upstream) ?? []), label]);
      return;
    }
    if (!response.ok) throw fail(`its log lookup answered ${response.status} ${response.text.slice(0, 200).replace(/\s+/g, ' ')}`);
    let answer: z.infer<typeof LOOKUP_ANSWER>;
    try {
      answer = LOOKUP_ANSWER.parse(JSON.parse(response.text));
    } catch {
      throw fail('its log lookup is not {index, record, salt?}');
    }
    const { index, record: clear, salt } = answer;
    if (index >= log.checkpoint.size) throw fail(`record ${index} is beyond the verified checkpoint of ${log.checkpoint.size} records`);
    let parsed;
    try {
      parsed = parseLogRecord(clear);
    } catch (error) {
      throw fail((error as Error).message);
    }
    if (parsed.event !== 'publish' || parsed.package !== v.package || parsed.version !== v.version) {
      throw fail(`record ${index} is not the publish of ${label}`);
    }
    if (parsed.archive !== v.checksum) throw fail(`the log has archive ${parsed.archive}, ${v.checksumFrom ?? 'flock.lock'} ${v.checksum}`);
    // What is in the tree: the clear record, or for a private package the record with the hidden line
    // SHA-256(salt ‖ clear) in place of package, version and commit; the proof checks that leaf.
    const logged = salt === undefined ? clear : hideLogRecord(clear, Buffer.from(salt, 'hex'));
    const proof = await proveRecord(log.checkpoint.size, index, log.reader.read).catch((error: unknown) => {
      throw error instanceof CliExit ? error : fail(`its inclusion proof could not be read: ${(error as Error).message}`);
    });
    try {
      checkRecord(proof, log.checkpoint.size, log.checkpoint.hash, index, leafHash(Buffer.from(logged, 'utf8')));
    } catch (error) {
      throw fail(`record ${index} is not in the signed tree of ${log.checkpoint.size} (${(error as Error).message})`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_LOOKUPS, queue.length) }, async () => {
    for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
      try {
        await one(v);
      } catch (error) {
        queue.length = 0;
        throw error;
      }
    }
  }));
  await log.reader.keepVerified();
  ctx.progress?.('');
  for (const [upstream, labels] of mirrored) {
    const shown = labels.length > 5 ? `${labels.sort().slice(0, 5).join(', ')} and ${labels.length - 5} more` : labels.sort().join(', ');
    ctx.err(`note: ${shown} came through this registry's mirror of ${upstream}, which checks archives against that registry's transparency log; flock did not check ${labels.length === 1 ? 'it' : 'them'} itself`);
  }
  return beforeLog.sort();
}

/** The note for versions from before the log: one stderr line per run. */
export function noteBeforeLog(ctx: CommandContext, labels: readonly string[]): void {
  if (labels.length === 0) return;
  const shown = labels.length > 5 ? `${labels.slice(0, 5).join(', ')} and ${labels.length - 5} more` : labels.join(', ');
  ctx.err(`note: ${shown} ${labels.length === 1 ? 'was' : 'were'} published before the registry's transparency log began, so ${labels.length === 1 ? 'it is' : 'they are'} not checked against it`);
}
