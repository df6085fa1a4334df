import type { Db } from '../../db/connect.js';
import { keywordsOf } from '../../db/migrations/0011-downloads.js';

/** A keyword filter as typed: at most a manifest keyword's length, compared lower-cased. */
export const MAX_KEYWORD_LENGTH = 50;

/**
 * Re-reads a package's keywords (those of its newest published version, as search's documents take
 * them) into package_keywords, after a publish. Replaced whole in one transaction.
 */
export async function refreshKeywords(db: Db, packageId: string): Promise<void> {
  const latest = await db.selectFrom('versions').select('keywords').where('package_id', '=', packageId).orderBy('published_at', 'desc').limit(1).executeTakeFirst();
  const keywords = latest ? keywordsOf(latest.keywords) : [];
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('package_keywords').where('package_id', '=', packageId).execute();
    if (keywords.length > 0) await trx.insertInto('package_keywords').values(keywords.map((keyword) => ({ keyword, package_id: packageId }))).execute();
  });
}
