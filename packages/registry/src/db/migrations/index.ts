import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';
import { accounts } from './0002-accounts.js';
import { consume } from './0003-consume.js';
import { provenance } from './0004-provenance.js';
import { orgStores } from './0005-org-stores.js';
import { rateLimits } from './0006-rate-limits.js';
import { packageNameKeys } from './0007-package-name-keys.js';
import { packageNameIndex } from './0008-package-name-index.js';
import { deviceCodes } from './0009-device-codes.js';
import { yankReasonsDeprecation } from './0010-yank-reasons-deprecation.js';
import { downloads } from './0011-downloads.js';
import { trustedPublishing } from './0012-trusted-publishing.js';
import { transparencyLog } from './0013-transparency-log.js';
import { rebuilds } from './0014-rebuilds.js';
import { logWitnesses } from './0015-log-witnesses.js';
import { operationsPolicy } from './0016-operations-policy.js';
import { webhooks } from './0017-webhooks.js';
import { mirror } from './0018-mirror.js';

/**
 * Migrations live in code (not files on disk) so the compiled server carries them.
 * One file each, applied in key order. Only portable column types: text, integer, bigint.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_accounts': accounts,
  '0003_consume': consume,
  '0004_provenance': provenance,
  '0005_org_stores': orgStores,
  '0006_rate_limits': rateLimits,
  '0007_package_name_keys': packageNameKeys,
  '0008_package_name_index': packageNameIndex,
  '0009_device_codes': deviceCodes,
  '0010_yank_reasons_deprecation': yankReasonsDeprecation,
  '0011_downloads': downloads,
  '0012_trusted_publishing': trustedPublishing,
  '0013_transparency_log': transparencyLog,
  '0014_rebuilds': rebuilds,
  '0015_log_witnesses': logWitnesses,
  '0016_operations_policy': operationsPolicy,
  '0017_webhooks': webhooks,
  '0018_mirror': mirror,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
