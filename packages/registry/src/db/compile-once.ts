import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './connect.js';

const PLACEHOLDER = '\u0000flock-parameter:';

/**
 * A query built and compiled to SQL once, then run with each call's values.
 * Kysely otherwise builds an immutable query tree and compiles it on every
 * call, about a tenth of a package page's CPU. `build` is given a placeholder
 * for each name; every parameter of the compiled query that is a placeholder
 * takes the call's value for that name, so the values keep their places
 * whatever order the SQL puts them in.
 */
export function compileOnce<Name extends string, Row>(db: Db, names: readonly Name[], build: (values: Record<Name, string>) => Compilable<Row>) {
  let compiled: CompiledQuery<Row> | undefined;
  return async (values: Record<Name, unknown>): Promise<Row[]> => {
    compiled ??= build(Object.fromEntries(names.map((name) => [name, PLACEHOLDER + name])) as Record<Name, string>).compile();
    const parameters = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(PLACEHOLDER) ? values[p.slice(PLACEHOLDER.length) as Name] : p));
    return (await db.executeQuery<Row>({ ...compiled, parameters })).rows;
  };
}
