// Synthetic packages for `npm run bench:search`, written straight into a registry database (its own
// migrations first, then bulk SQL: publishing 100,000 packages through the API would take hours).
// Deterministic: the same sizes always give the same rows, so runs compare.
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { openDatabase } from '../packages/registry/dist/db/connect.js';
import { createSqliteSearchTable } from '../packages/registry/dist/services/search/search-sqlite.js';
import { createPostgresSearchTable } from '../packages/registry/dist/services/search/search-postgres.js';

/** The queries measured, and how many packages each is built to match (see packageRow). */
export const QUERIES = {
  common: 'color', // ~30% of packages
  rare: 'zephyrine', // exactly 10
  'two words': 'fast parser', // ~1% have both
  prefix: 'conf', // config, confetti, conflict, confluence: ~8%
};

const WORDS = ('async stream buffer cache queue store tree graph list map set table query schema model view router ' +
  'server client socket http proxy auth token session cookie crypto hash sign verify encode decode image audio ' +
  'video font icon chart grid layout theme style format parse lint test mock bench log trace metric event timer ' +
  'retry limit pool worker thread task job cron file path glob watch zip tar archive diff patch merge sync copy ' +
  'move scan index search rank sort filter reduce fold tiny micro mini simple smart quick lazy strict safe pure ' +
  'open shared local remote cloud edge mobile desktop terminal shell prompt input output print color-free ' +
  'markdown html xml yaml toml csv json binary text unicode emoji locale date time money number math vector ' +
  'matrix random uuid slug url email phone address geo tile canvas svg pixel sprite game physics audio midi').split(' ');
const PREFIXED = ['config', 'confetti', 'conflict', 'confluence'];

// A small, fast, seeded generator (mulberry32).
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const orgCount = (size) => Math.max(10, Math.round(size / 100));
const id = (kind, i) => `${kind}-${String(i).padStart(8, '0')}`;

/** Package i: name, description and keywords from the vocabulary, with the measured words planted. */
function packageRow(i, rnd, orgs, size) {
  const pick = () => WORDS[Math.floor(rnd() * WORDS.length)];
  const words = Array.from({ length: 6 + Math.floor(rnd() * 6) }, pick);
  const name = [pick(), pick()];
  const keywords = [pick(), pick(), pick()];
  if (rnd() < 0.3) (rnd() < 0.2 ? name : rnd() < 0.5 ? keywords : words).push('color');
  if (rnd() < 0.1) words.push('fast');
  if (rnd() < 0.1) (rnd() < 0.5 ? name : words).push('parser');
  if (rnd() < 0.08) (rnd() < 0.3 ? name : words).push(PREFIXED[Math.floor(rnd() * PREFIXED.length)]);
  if (i % Math.ceil(size / 10) === 7) words.push('zephyrine');
  return {
    id: id('pkg', i),
    org_id: id('org', i % 100 === 0 ? 0 : 1 + (i % (orgs - 1))),
    // The package index keeps names unique; one package is named "color" exactly (ranked first).
    name: i === 1 ? 'color' : `${name.join('-')}-${i}`,
    visibility: i % 20 === 0 ? 'private' : 'public',
    description: words.join(' '),
    keywords: JSON.stringify(keywords),
  };
}

/** Every row to insert, in batches: users, orgs, packages, versions (3 per package). */
function* rows(size) {
  const orgs = orgCount(size);
  const rnd = random(11);
  const at = '2026-01-01T00:00:00.000Z';
  yield ['users', [{ id: 'user-bench', username: 'bench', username_key: 'bench', github_id: null, password_hash: null, created_at: at }]];
  yield ['orgs', Array.from({ length: orgs }, (_, i) => ({ id: id('org', i), name: i === 0 ? 'bench' : `org${i}`, name_key: i === 0 ? 'bench' : `org${i}`, kind: i === 0 ? 'personal' : 'shared', created_at: at }))];
  for (let start = 0; start < size; start += 5000) {
    const packages = [];
    const versions = [];
    for (let i = start; i < Math.min(size, start + 5000); i++) {
      const p = packageRow(i, rnd, orgs, size);
      packages.push({ id: p.id, org_id: p.org_id, name: p.name, name_key: p.name.replaceAll('-', ''), visibility: p.visibility, description: p.description, created_at: at, updated_at: at });
      for (const [n, version] of ['1.0.0', '1.1.0', '2.0.0'].entries()) {
        versions.push({
          id: `${p.id}-v${n}`, package_id: p.id, version, checksum: `sha256:${'0'.repeat(64)}`, size: 1000, blob_key: `${p.id}/${version}`,
          manifest: '', description: p.description, license: 'MIT', keywords: p.keywords, repository: null, dependencies: '{}', readme: null,
          publisher_id: 'user-bench', token_id: null, published_at: `2026-01-0${n + 1}T00:00:00.000Z`, yanked: 0,
        });
      }
    }
    yield ['packages', packages];
    yield ['versions', versions];
  }
}

/** A SQLite registry database at `path` holding `size` packages × 3 versions. */
export async function fillSqlite(path, size) {
  const handle = await openDatabase(`sqlite:${path}`);
  await handle.close();
  const db = new SQLite(path);
  const statements = new Map();
  db.transaction(() => {
    for (const [table, batch] of rows(size)) {
      const columns = Object.keys(batch[0]);
      const key = `${table}:${columns.length}`;
      if (!statements.has(key)) statements.set(key, db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`));
      for (const row of batch) statements.get(key).run(row);
    }
  })();
  db.close();
  // The migration's own statement fills the (empty) search table from every package.
  const filled = await openDatabase(`sqlite:${path}`);
  await createSqliteSearchTable(filled.db);
  await filled.close();
}

/** The same rows in the PostgreSQL database at `url` (already created, empty). */
export async function fillPostgres(url, size) {
  const handle = await openDatabase(url);
  await handle.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const [table, batch] of rows(size)) {
      // One statement per batch: each column as an array, unnested back into rows.
      const columns = Object.keys(batch[0]);
      const types = columns.map((c) => (['size', 'yanked'].includes(c) ? 'bigint[]' : 'text[]'));
      const values = columns.map((c) => batch.map((row) => row[c]));
      await client.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')})`, values);
    }
    await client.query('COMMIT');
    const filled = await openDatabase(url);
    await createPostgresSearchTable(filled.db);
    await filled.close();
    // As autovacuum would after a load this size: the planner needs row counts.
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}
