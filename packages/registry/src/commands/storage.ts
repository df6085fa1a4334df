import { Command, Option } from 'commander';
import { durationMs, FlockError, parseDuration } from '@flock/core';
import type { Config, ConfigOverrides } from '../config.js';
import type { Registry } from '../registry.js';
import { backup, restore } from '../services/backup.js';
import type { FsckReport, Orphan, Problem } from '../services/storage-check.js';

/** What main.ts gives every operator command: its storage flags, its config, and the registry opened on them. */
export interface CommandKit {
  withStorageOptions(command: Command): Command;
  configFrom(options: ConfigOverrides): Readonly<Config>;
  withRegistry<T>(options: ConfigOverrides, run: (registry: Registry) => Promise<T>): Promise<T>;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function problemLine(p: Problem): string {
  const what = p.ref ? `${p.ref.kind} ${p.ref.owner}` : undefined;
  switch (p.kind) {
    case 'missing':
      return `missing ${what} (${p.ref.key}) in ${p.store}`;
    case 'wrong-size':
      return `wrong size ${what} (${p.ref.key}) in ${p.store}: ${p.actual} bytes, expected ${p.ref.size}`;
    case 'wrong-hash':
      return `wrong hash ${what} (${p.ref.key}) in ${p.store}: sha256:${p.actual}, expected sha256:${p.ref.sha256}`;
    case 'unreadable':
      return what ? `unreadable ${what} (${p.ref!.key}) in ${p.store}: ${p.reason}` : `unreadable store ${p.store}: ${p.reason}`;
  }
}

const orphanLine = (o: Orphan, verb = 'orphan') => `${verb} ${o.key} in ${o.store} (${o.size} bytes, written ${o.lastModified.toISOString()})`;

/** Prints the report; true when it should fail the command (problems, or orphans with --strict). */
function printFsck(report: FsckReport, options: { json?: boolean; strict?: boolean }): boolean {
  const failed = report.problems.length > 0 || (options.strict === true && report.orphans.length > 0);
  if (options.json) {
    out(JSON.stringify({
      ok: !failed,
      referenced: report.referenced,
      problems: report.problems.map((p) => ({ ...p, ...(p.ref ? { ref: p.ref } : {}), message: problemLine(p) })),
      orphans: report.orphans.map((o) => ({ store: o.store, key: o.key, size: o.size, lastModified: o.lastModified.toISOString() })),
    }));
    return failed;
  }
  for (const problem of report.problems) out(problemLine(problem));
  for (const orphan of report.orphans) out(orphanLine(orphan));
  const count = (kind: Problem['kind'] | Problem['kind'][]) => report.problems.filter((p) => [kind].flat().includes(p.kind)).length;
  out(`fsck: ${plural(report.referenced, 'referenced blob')}; ${count('missing')} missing, ${count(['wrong-size', 'wrong-hash'])} corrupt, ${count('unreadable')} unreadable; ${plural(report.orphans.length, 'orphan')}: ${failed ? 'PROBLEMS' : 'ok'}`);
  return failed;
}

const MIN_GRACE_MS = 3_600_000;

/** --grace (core's durations, at least 1h), or the hidden --grace-seconds for tests, which has no minimum. */
function graceOf(options: { grace: string; graceSeconds?: string }): number {
  if (options.graceSeconds !== undefined) {
    const seconds = Number(options.graceSeconds);
    if (!/^\d{1,9}$/.test(options.graceSeconds) || !Number.isSafeInteger(seconds)) throw new FlockError('bad_request', `Invalid --grace-seconds "${options.graceSeconds}": expected a whole number of seconds`);
    return seconds * 1000;
  }
  const ms = durationMs(parseDuration(options.grace));
  if (ms < MIN_GRACE_MS) throw new FlockError('bad_request', `--grace ${options.grace} is too short: at least 1h, so a publish in flight (its blob written, its row not yet) is never taken for an orphan`);
  return ms;
}

export function registerStorageCommands(program: Command, kit: CommandKit): void {
  kit.withStorageOptions(program.command('fsck').description('Check every referenced archive and docs blob (org stores too) is in its store with the right size and sha256, and list orphans; exit 1 on missing, corrupt or unreadable blobs'))
    .option('--json', 'one JSON object instead of lines')
    .option('--strict', 'orphans count as problems too (exit 1)')
    .option('--concurrency <n>', 'blobs read and hashed at once', '4')
    .action(async (options: ConfigOverrides & { json?: boolean; strict?: boolean; concurrency: string }) => {
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new FlockError('bad_request', `Invalid --concurrency "${options.concurrency}": expected 1 to 64`);
      await kit.withRegistry(options, async ({ services }) => {
        if (printFsck(await services.storageCheck.fsck({ concurrency }), options)) process.exitCode = 1;
      });
    });

  kit.withStorageOptions(program.command('gc').description('Delete orphan blobs (referenced by nothing) older than the grace period; safe while the registry serves'))
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .option('--apply', 'delete')
    .option('--grace <duration>', 'keep orphans younger than this (at least 1h): a publish writes its blob before its row', '24h')
    .addOption(new Option('--grace-seconds <n>', 'tests only: a grace period in seconds, without the 1h minimum').hideHelp())
    .action(async (options: ConfigOverrides & { dryRun?: boolean; apply?: boolean; grace: string; graceSeconds?: string }) => {
      if (options.dryRun === options.apply) throw new FlockError('bad_request', 'Give exactly one of --dry-run and --apply');
      const graceMs = graceOf(options);
      await kit.withRegistry(options, async ({ services }) => {
        const report = await services.storageCheck.gc({ graceMs, apply: options.apply === true, now: services.clock() });
        for (const problem of report.problems) out(problemLine(problem));
        for (const orphan of report.removed) out(orphanLine(orphan, options.apply ? 'deleted' : 'would delete'));
        const bytes = report.removed.reduce((sum, o) => sum + o.size, 0);
        out(`gc: ${options.apply ? 'deleted' : 'would delete'} ${plural(report.removed.length, 'orphan')} (${bytes} bytes); kept ${report.young} younger than the grace period` +
          `${report.spared > 0 ? `; ${report.spared} referenced or rewritten meanwhile, kept` : ''}`);
        if (report.problems.length > 0) process.exitCode = 1;
      });
    });

  kit.withStorageOptions(program.command('backup <dir>').description('Write a consistent database snapshot (SQLite online backup, or pg_dump) and manifest.json listing every referenced blob into DIR (new or empty); blobs are not copied'))
    .action(async (dir: string, options: ConfigOverrides) => {
      const config = kit.configFrom(options);
      await kit.withRegistry(options, async ({ services, database }) => {
        const { manifest, warnings } = await backup({ databaseUrl: config.databaseUrl, db: database.db, registryStore: services.blobs, orgStores: services.orgStores, clock: services.clock }, dir);
        for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
        out(`backed up the ${manifest.backend} database (${manifest.migration}) and a manifest of ${plural(manifest.blobs.length, 'referenced blob')} to ${dir}`);
        out('not in it: the blobs themselves (copy the store after this backup) and the secret key (FLOCK_SECRET_KEY or secret.key)');
      });
    });

  kit.withStorageOptions(program.command('restore <dir>').description('Restore a backup into the configured (empty) database, then fsck it against the configured store; exit 1 if fsck finds problems'))
    .option('--json', "fsck's report as one JSON object")
    .action(async (dir: string, options: ConfigOverrides & { json?: boolean }) => {
      const config = kit.configFrom(options);
      const manifest = await restore(config.databaseUrl, dir);
      process.stderr.write(`restored the ${manifest.backend} database from ${dir} (backup of ${manifest.createdAt}); checking the store\n`);
      await kit.withRegistry(options, async ({ services }) => {
        if (printFsck(await services.storageCheck.fsck(), options)) process.exitCode = 1;
      });
    });
}
