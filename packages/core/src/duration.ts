import { FlockError, quote } from './errors.js';

declare const durationBrand: unique symbol;

/** A span of time as written: a whole number and a unit, w(eeks), d(ays), h(ours) or m(inutes): "3d", "12h", "90m", "1w". */
export type Duration = string & { readonly [durationBrand]: true };

const UNIT_MS = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
// Ten years: more is surely a mistake, and the number stays far from what a Date can hold.
const MAX_MS = 3650 * 86_400_000;

export function parseDuration(raw: string): Duration {
  const match = typeof raw === 'string' ? /^(\d{1,7})([wdhm])$/.exec(raw.trim()) : null;
  if (match === null || Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] > MAX_MS) {
    throw new FlockError('bad_request', `Invalid duration ${quote(String(raw))}: expected a whole number and a unit (w, d, h or m), e.g. 3d, 12h, 90m or 1w, at most 3650d`);
  }
  return `${Number(match[1])}${match[2]}` as Duration;
}

export function durationMs(duration: Duration): number {
  return Number(duration.slice(0, -1)) * UNIT_MS[duration.slice(-1) as keyof typeof UNIT_MS];
}
