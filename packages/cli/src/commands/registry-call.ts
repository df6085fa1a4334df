import { z } from 'zod';
import { apiFailure } from '../api-error.js';
import { readJson, signedInClient, type RequestOptions } from '../client.js';
import type { CommandContext } from '../context.js';

/**
 * One authenticated JSON call for the account commands. A refusal stops with
 * `Cannot <action>: <the registry's reason>`, like every other command's
 * (`action` is e.g. "list tokens"); a success must have the shape `expected`
 * (OK_ANSWER for `{"ok":true}`).
 */
export async function callRegistry<T>(
  ctx: CommandContext,
  action: string,
  path: string,
  expected: z.ZodType,
  options: { method?: RequestOptions['method']; json?: unknown } = {},
): Promise<T> {
  const client = await signedInClient(ctx);
  const response = await client.request(path, {
    method: options.method ?? 'GET',
    auth: true,
    ...(options.json === undefined ? {} : { body: JSON.stringify(options.json), contentType: 'application/json' }),
  });
  if (!response.ok) throw apiFailure(response, `Cannot ${action}`);
  return readJson<T>(response, expected);
}

/** Prints rows as aligned columns. */
export function printTable(ctx: CommandContext, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) ctx.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** A path segment from user input, so "a/b" cannot reach another endpoint. */
export const segment = (value: string) => encodeURIComponent(value);
