import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';
import { consume } from './0003-consume.js';

/**
 * Migrations live in code (not files on disk) so the compiled server carries them.
 * One file each, applied in key order. Only portable column types: text, integer, bigint.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0003_consume': consume,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
