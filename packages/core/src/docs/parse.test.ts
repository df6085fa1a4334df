import { describe, it, expect } from 'vitest';
import { FlockError } from '../errors.js';
import { extractDocs } from './extract.js';
import type { DocModel } from './model.js';
import { parseDocModel } from './parse.js';
import { writeDocsJson } from './writers.js';

function sample(): DocModel {
  return extractDocs(
    [{ path: 'src/a.ks', text: '//! A.\n/// One.\npub fn one() -> Int {\n/// Two.\npub struct Two\n/// Three.\nlet three = 3' }],
    { org: 'acme', name: 'a', version: '1.0.0' },
  );
}

/** The thrown FlockError, so tests can check code and message together. */
function failure(value: unknown): FlockError {
  try {
    parseDocModel(value);
  } catch (error) {
    if (error instanceof FlockError) return error;
    throw error;
  }
  throw new Error('expected parseDocModel to throw');
}

describe('parseDocModel', () => {
  it('accepts writer output unchanged', () => {
    const model = sample();
    expect(model.modules[0]!.items).toHaveLength(3);
    expect(parseDocModel(JSON.parse(writeDocsJson(model)))).toEqual(model);
  });

  it('accepts a package without org and strips unknown keys', () => {
    const model = { ...sample(), package: { name: 'a', version: '1.0.0' }, extra: true };
    const parsed = parseDocModel(model);
    expect(parsed.package).toEqual({ name: 'a', version: '1.0.0' });
    expect('extra' in parsed).toBe(false);
  });

  it('upgrades a flock-docs/1 model (stored before members existed): every item gets no members', () => {
    const current = sample();
    const v1 = JSON.parse(JSON.stringify({ ...current, schema: 'flock-docs/1' })) as { modules: Array<{ items: Array<Record<string, unknown>> }> };
    for (const item of v1.modules[0]!.items) delete item.members;
    const parsed = parseDocModel(v1);
    expect(parsed.schema).toBe('flock-docs/2');
    expect(parsed.modules[0]!.items.map((item) => item.members)).toEqual([[], [], []]);
    expect(parsed).toEqual({ ...current, modules: [{ ...current.modules[0]!, items: current.modules[0]!.items.map((item) => ({ ...item, members: [] })) }] });
    // A flock-docs/2 model must name its members.
    expect(failure({ ...v1, schema: 'flock-docs/2' }).message).toBe('Invalid docs: modules.0.items.0.members: is required');
  });

  it('bounds the members of one item', () => {
    const model = sample();
    const member = { name: 'f', signature: 'f: Int', doc: '', line: 1 };
    model.modules[0]!.items[1]!.members = Array.from({ length: 1001 }, () => member);
    expect(failure(model).message).toBe('Invalid docs: modules.0.items.1.members: at most 1000 members');
  });

  it('rejects non-objects', () => {
    for (const value of [null, 'x', 3, []]) expect(failure(value).code).toBe('invalid_docs');
  });

  it('rejects an unknown or missing schema', () => {
    const bad = failure({ ...sample(), schema: 'flock-docs/9' });
    expect(bad.code).toBe('invalid_docs');
    expect(bad.message).toBe('Unsupported docs schema "flock-docs/9"; expected "flock-docs/2"');
    const { schema: _schema, ...rest } = sample();
    expect(failure(rest).message).toMatch(/^Unsupported docs schema none/);
  });

  it('names the path of a bad kind', () => {
    const model = sample() as unknown as { modules: Array<{ items: Array<Record<string, unknown>> }> };
    model.modules[0]!.items[2]!.kind = 'macro';
    const error = failure(model);
    expect(error.code).toBe('invalid_docs');
    expect(error.message).toMatch(/^Invalid docs: modules\.0\.items\.2\.kind: /);
    expect(error.message).not.toContain('\n');
  });

  it('rejects missing fields and bad line numbers', () => {
    const missing = sample() as unknown as { modules: Array<{ items: Array<Record<string, unknown>> }> };
    delete missing.modules[0]!.items[0]!.signature;
    expect(failure(missing).message).toBe('Invalid docs: modules.0.items.0.signature: is required');
    for (const line of [0, -1, 1.5, '3']) {
      const model = sample() as unknown as { modules: Array<{ items: Array<Record<string, unknown>> }> };
      model.modules[0]!.items[1]!.line = line;
      expect(failure(model).message).toMatch(/^Invalid docs: modules\.0\.items\.1\.line: /);
    }
  });

  it('rejects oversize strings', () => {
    const model = sample();
    model.modules[0]!.items[0]!.name = 'n'.repeat(201);
    expect(failure(model).message).toBe('Invalid docs: modules.0.items.0.name: at most 200 characters');
    const sig = sample();
    sig.modules[0]!.items[0]!.signature = 's'.repeat(2001);
    expect(failure(sig).message).toBe('Invalid docs: modules.0.items.0.signature: at most 2000 characters');
    const doc = sample();
    doc.modules[0]!.doc = 'd'.repeat(100_001);
    expect(failure(doc).message).toBe('Invalid docs: modules.0.doc: at most 100000 characters');
    const ok = sample();
    ok.modules[0]!.items[0]!.doc = 'd'.repeat(100_000);
    expect(() => parseDocModel(ok)).not.toThrow();
  });

  it('rejects too many modules or items', () => {
    const base = sample();
    const module = base.modules[0]!;
    const manyModules = { ...base, modules: Array.from({ length: 1001 }, () => ({ ...module, items: [] })) };
    expect(failure(manyModules).message).toBe('Invalid docs: modules: at most 1000 modules');
    const item = module.items[0]!;
    const half = Array.from({ length: 5001 }, (_, i) => ({ ...item, line: i + 1 }));
    const manyItems = { ...base, modules: [{ ...module, items: half }, { ...module, name: 'b', items: half }] };
    expect(failure(manyItems).message).toBe('Invalid docs: modules: at most 10000 items in total (got 10002)');
    const exactly = { ...base, modules: [{ ...module, items: half.slice(0, 5000) }, { ...module, items: half.slice(0, 5000) }] };
    expect(() => parseDocModel(exactly)).not.toThrow();
  });
});
