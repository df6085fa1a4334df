import { z } from 'zod';
import { FlockError } from '../errors.js';
import { DOCS_SCHEMA, ITEM_KINDS, OLDER_DOCS_SCHEMAS, countItems, type DocModel } from './model.js';

/** Limits for uploaded docs; generous for real packages, small enough to store and render. */
export const DOCS_LIMITS = {
  maxModules: 1000,
  maxItems: 10_000,
  maxName: 200,
  maxPath: 1000,
  maxSignature: 2000,
  maxDoc: 100_000,
  /** Fields or variants of one item. */
  maxMembers: 1000,
} as const;

const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const name = () => text(DOCS_LIMITS.maxName).min(1, 'must not be empty');

const memberSchema = z.object({
  name: name(),
  signature: text(DOCS_LIMITS.maxSignature),
  doc: text(DOCS_LIMITS.maxDoc),
  line: z.number().int().positive(),
});

const itemSchema = z.object({
  kind: z.enum(ITEM_KINDS),
  name: name(),
  signature: text(DOCS_LIMITS.maxSignature),
  doc: text(DOCS_LIMITS.maxDoc),
  line: z.number().int().positive(),
  members: z.array(memberSchema).max(DOCS_LIMITS.maxMembers, `at most ${DOCS_LIMITS.maxMembers} members`),
});

const moduleSchema = z.object({
  name: name(),
  path: text(DOCS_LIMITS.maxPath).min(1, 'must not be empty'),
  doc: text(DOCS_LIMITS.maxDoc),
  // The per-module cap keeps a single huge array from being parsed before the total check.
  items: z.array(itemSchema).max(DOCS_LIMITS.maxItems, `at most ${DOCS_LIMITS.maxItems} items`),
});

// z.object strips unknown keys, so nothing the registry did not validate is stored.
const modelSchema = z
  .object({
    schema: z.literal(DOCS_SCHEMA),
    package: z.object({ org: name().optional(), name: name(), version: text(DOCS_LIMITS.maxName).min(1, 'must not be empty') }),
    modules: z.array(moduleSchema).max(DOCS_LIMITS.maxModules, `at most ${DOCS_LIMITS.maxModules} modules`),
  })
  .superRefine((model, ctx) => {
    const total = countItems(model);
    if (total > DOCS_LIMITS.maxItems) {
      ctx.addIssue({ code: 'custom', path: ['modules'], message: `at most ${DOCS_LIMITS.maxItems} items in total (got ${total})` });
    }
    const members = model.modules.reduce((sum, module) => sum + module.items.reduce((n, item) => n + item.members.length, 0), 0);
    if (members > DOCS_LIMITS.maxItems) {
      ctx.addIssue({ code: 'custom', path: ['modules'], message: `at most ${DOCS_LIMITS.maxItems} members in total (got ${members})` });
    }
  });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * flock-docs/1 → flock-docs/2: items gain `members` (none were recorded). Only the shape is
 * touched; anything malformed is left for the schema to name. Docs stored before the change
 * (and uploads from an older CLI) go through here, so they still validate and render.
 */
function upgradeV1(value: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(value.modules)) return { ...value, schema: DOCS_SCHEMA };
  const modules = value.modules.map((module: unknown) => {
    if (!isRecord(module) || !Array.isArray(module.items)) return module;
    return { ...module, items: module.items.map((item: unknown) => (isRecord(item) ? { ...item, members: [] } : item)) };
  });
  return { ...value, schema: DOCS_SCHEMA, modules };
}

/**
 * Validates docs JSON (as uploaded by `flock publish`). The schema is checked
 * first so a newer CLI gets a clear "unsupported schema" instead of field noise.
 * Errors are one line naming the first problem: `Invalid docs: modules.0.items.2.kind: …`.
 */
export function parseDocModel(value: unknown): DocModel {
  if (!isRecord(value)) throw new FlockError('invalid_docs', 'Invalid docs: expected a JSON object');
  const older = (OLDER_DOCS_SCHEMAS as readonly unknown[]).includes(value.schema);
  if (value.schema !== DOCS_SCHEMA && !older) {
    const got = typeof value.schema === 'string' ? JSON.stringify(value.schema.slice(0, 100)) : 'none';
    throw new FlockError('invalid_docs', `Unsupported docs schema ${got}; expected "${DOCS_SCHEMA}"`);
  }
  // The item count is bounded by the upload's byte limit before this copies anything.
  const result = modelSchema.safeParse(older ? upgradeV1(value) : value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    throw new FlockError('invalid_docs', `Invalid docs: ${where}${message}`);
  }
  const { org, ...rest } = result.data.package;
  return { ...result.data, package: org === undefined ? rest : { org, ...rest } };
}
