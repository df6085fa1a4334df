import { once } from 'node:events';
import { Command, Option } from 'commander';
import { FlockError } from '@flock/core';
import type { ConfigOverrides } from '../config.js';
import type { Registry } from '../registry.js';
import { formatBytes, parseByteQuota, parseCountQuota, type Quotas } from '../services/quotas.js';
import { parseReadOnlyMessage } from '../services/registry-settings.js';

/** What main.ts gives every operator command: the storage options, and the registry opened on them. */
export interface CommandKit {
  withStorageOptions(command: Command): Command;
  withRegistry<T>(options: ConfigOverrides, run: (registry: Registry) => Promise<T>): Promise<T>;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

/** A time given on the command line, as the stored form (UTC, milliseconds) it is compared with. */
function parseTime(raw: string, flag: string): string {
  const time = /^\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?$/.test(raw.trim()) ? Date.parse(raw.trim()) : NaN;
  if (Number.isNaN(time)) throw new FlockError('bad_request', `Invalid ${flag} "${raw.slice(0, 40)}": expected an ISO date or time, e.g. 2025-01-31 or 2025-01-31T12:00:00Z`);
  return new Date(time).toISOString();
}

const limitText = (value: number | null, unit = '') => (value === null ? 'unlimited' : `${value}${unit}`);

/** `flock-registry read-only`, `org quota`, `audit export` (issue 16). */
export function registerPolicyCommands(program: Command, org: Command, { withStorageOptions, withRegistry }: CommandKit): void {
  withStorageOptions(program.command('read-only [state]').description('Refuse every write on every server of this database (on), allow them again (off), or show the state'))
    .option('--message <text>', 'why, shown in every refused write (with on)')
    .action(async (state: string | undefined, options: ConfigOverrides & { message?: string }) => {
      if (state !== undefined && state !== 'on' && state !== 'off') throw new FlockError('bad_request', `Invalid state "${state.slice(0, 20)}": expected on or off`);
      if (options.message !== undefined && state !== 'on') throw new FlockError('bad_request', '--message goes with "read-only on"');
      const message = options.message === undefined ? undefined : parseReadOnlyMessage(options.message);
      await withRegistry(options, async ({ services }) => {
        const now = state === undefined ? await services.settings.stored() : await services.settings.setReadOnly(state === 'on', message);
        out(now === null ? 'read-only: off (writes are accepted)' : `read-only: on since ${now.since ?? 'unknown'}: ${now.message}`);
      });
    });

  withStorageOptions(org.command('quota <org>').description('Set an organization\'s quotas; without options, show them with its usage'))
    .option('--bytes <size>', 'stored archives + docs, e.g. 500MB, 2GiB, or none')
    .option('--versions-per-day <n>', 'versions published in any 24 hours, or none')
    .option('--packages <n>', 'packages, or none')
    .action(async (orgName: string, options: ConfigOverrides & { bytes?: string; versionsPerDay?: string; packages?: string }) => {
      // Every value is checked before anything is written.
      const changes: Partial<Quotas> = {
        ...(options.bytes !== undefined ? { maxBytes: parseByteQuota(options.bytes) } : {}),
        ...(options.versionsPerDay !== undefined ? { maxVersionsPerDay: parseCountQuota(options.versionsPerDay, '--versions-per-day') } : {}),
        ...(options.packages !== undefined ? { maxPackages: parseCountQuota(options.packages, '--packages') } : {}),
      };
      await withRegistry(options, async ({ services }) => {
        await services.quotas.set(orgName, changes);
        const { org: name, quotas, usage } = await services.quotas.show(orgName);
        out(`${name}:`);
        out(`  storage: ${formatBytes(usage.bytes)} used of ${quotas.maxBytes === null ? 'unlimited' : formatBytes(quotas.maxBytes)}`);
        out(`  versions per day: ${usage.versionsLastDay} in the last 24 hours of ${limitText(quotas.maxVersionsPerDay)}`);
        out(`  packages: ${usage.packages} of ${limitText(quotas.maxPackages)}`);
      });
    });

  const audit = program.command('audit').description('The audit log');
  withStorageOptions(audit.command('export').description('Write every audit event to stdout, oldest first, one JSON object per line'))
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson']).makeOptionMandatory())
    .option('--org <org>', 'only this organization\'s events')
    .option('--since <time>', 'events at or after this ISO time')
    .option('--until <time>', 'events before this ISO time')
    .action(async (options: ConfigOverrides & { org?: string; since?: string; until?: string }) => {
      const since = options.since === undefined ? undefined : parseTime(options.since, '--since');
      const until = options.until === undefined ? undefined : parseTime(options.until, '--until');
      await withRegistry(options, async ({ services }) => {
        const orgId = options.org === undefined ? undefined : (await services.accounts.requireOrg(options.org)).id;
        for await (const row of services.auditPages.exportAll({ ...(orgId ? { orgId } : {}), ...(since ? { since } : {}), ...(until ? { until } : {}) })) {
          // Backpressure: a slow reader (a pipe to gzip) holds the export, not memory.
          if (!process.stdout.write(`${JSON.stringify(row)}\n`)) await once(process.stdout, 'drain');
        }
      });
    });
}
