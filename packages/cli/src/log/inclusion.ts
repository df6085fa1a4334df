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

/**
 * Checks that each version's publish record is in the verified tree and says what the lockfile
 * says: that org/name@version (for a private package: the hidden line is SHA-256(salt ‖ clear
 * record)) with the archive checksum. Every version has one: the registry gives versions published
 * before its log began their records when it starts. Throws a one-line CliExit naming the package
 * on the first mismatch.
 */
export async function checkVersionsInLog(
  ctx: CommandContext, client: RegistryClient, first: VerifiedLog, versions: readonly LoggedVersion[], after = '; nothing was installed',
  refresh?: () => Promise<VerifiedLog | null>,
): Promise<void> {
  // A record may be newer than the checkpoint read at the start (a mirror logs an archive when it first
  // fetches it, which may be during this run): then the head is read (and checked) once more.
  let log = first;
  let refreshed: Promise<VerifiedLog | null> | null = null;
  const queue = [...versions];
  const one = async (v: LoggedVersion) => {
    const label = `${v.package}@${v.version}`;
    const fail = (why: string) => new CliExit(`${label} does not match the registry's transparency log: ${why}${after}`);
    const response = await client.request(`api/v1/log/lookup/${v.package}/${v.version}`, { auth: true });
    if (!response.ok) throw fail(`its log lookup answered ${response.status} ${response.text.slice(0, 200).replace(/\s+/g, ' ')}`);
    let answer: z.infer<typeof LOOKUP_ANSWER>;
    try {
      answer = LOOKUP_ANSWER.parse(JSON.parse(response.text));
    } catch {
      throw fail('its log lookup is not {index, record, salt?}');
    }
    const { index, record: clear, salt } = answer;
    if (index >= log.checkpoint.size && refresh && log.witnessQuorum === null) {
      const newer = await (refreshed ??= refresh());
      if (newer !== null && newer.checkpoint.size > log.checkpoint.size) log = newer;
    }
    if (index >= log.checkpoint.size) {
      throw log.witnessQuorum === null
        ? fail(`record ${index} is beyond the verified checkpoint of ${log.checkpoint.size} records`)
        : fail(`record ${index} is not yet in a checkpoint cosigned by ${log.witnessQuorum} witness${log.witnessQuorum === 1 ? '' : 'es'} (the newest has ${log.checkpoint.size} records; try again once they have cosigned)`);
    }
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
  await first.reader.keepVerified();
  if (log !== first) await log.reader.keepVerified();
  ctx.progress?.('');
}
