import { FlockError, quote } from './errors.js';
import { parsePackageName, type PackageName } from './names.js';

/** A trusted publisher as the API shows it to an org's owners. */
export interface TrustedPublisherDto {
  id: string;
  org: string;
  /** Null: any package of the org. */
  package: string | null;
  issuer: string;
  audience: string;
  /** Claim name -> the exact value the ID token must carry. */
  claims: Record<string, string>;
  createdBy: string;
  createdAt: string;
  /** A per-package publisher whose package does not exist yet: its first publish creates it. */
  pending: boolean;
}

export interface TrustedPublisherInput {
  package: PackageName | null;
  issuer: string;
  audience: string;
  claims: Record<string, string>;
}

export const MAX_CLAIM_RULES = 20;
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
// Checked by the verifier itself, so a rule on them would be meaningless or contradictory.
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti']);
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function bad(message: string): FlockError {
  return new FlockError('bad_request', message);
}

function text(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string') throw bad(`${what} must be a string`);
  if (value.length === 0 || value.length > max) throw bad(`${what} must be 1 to ${max} characters`);
  if (CONTROL.test(value)) throw bad(`${what} must not contain control characters`);
  return value;
}

/**
 * An issuer is compared with the ID token's `iss` exactly, and its discovery
 * document is fetched from it: https only (plain http on loopback, for a
 * registry and issuer on one machine), no credentials, query or fragment.
 */
export function parseIssuer(value: unknown): string {
  const raw = text(value, 'issuer', 500);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad(`issuer ${quote(raw)} is not a URL`);
  }
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw bad('issuer must be an https URL');
  if (url.username || url.password || url.search || url.hash) throw bad('issuer must not carry credentials, a query or a fragment');
  return raw;
}

/** Claim rules: 1 to MAX_CLAIM_RULES exact string matches; without one, anyone the issuer signs for could publish. */
export function parseClaimRules(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('claims must be an object of claim name to value');
  const entries = Object.entries(value);
  if (entries.length === 0) throw bad('claims needs at least one rule, e.g. repository=acme/palette: without one, anyone the issuer signs for could publish');
  if (entries.length > MAX_CLAIM_RULES) throw bad(`claims has ${entries.length} rules; at most ${MAX_CLAIM_RULES}`);
  const rules: Record<string, string> = {};
  for (const [name, expected] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!CLAIM_NAME.test(name)) throw bad(`claim name ${quote(name)} is not valid`);
    if (RESERVED_CLAIMS.has(name)) throw bad(`claim ${name} is checked by the registry itself; it cannot be a rule`);
    rules[name] = text(expected, `claim ${name}`, 500);
  }
  return rules;
}

/** Claim rules as people read them, in the CLI, on pages and in the audit log: "ref=refs/heads/main, repository=acme/palette". */
export function formatClaimRules(claims: Record<string, string>): string {
  return Object.entries(claims).map(([name, value]) => `${name}=${value}`).join(', ');
}

/** The body of POST /api/v1/orgs/:org/trusted-publishers (and the page's form), checked once. */
export function parseTrustedPublisherInput(value: unknown): TrustedPublisherInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('The body must be a JSON object');
  const body = value as Record<string, unknown>;
  const unknown = Object.keys(body).find((k) => !['package', 'issuer', 'audience', 'claims'].includes(k));
  if (unknown !== undefined) throw bad(`Unknown field ${quote(unknown)}`);
  const pkg = body.package === undefined || body.package === null || body.package === '' ? null : parsePackageName(String(body.package));
  return { package: pkg, issuer: parseIssuer(body.issuer), audience: text(body.audience, 'audience', 200), claims: parseClaimRules(body.claims) };
}

/** "Published by trusted publisher <issuer> from <repository or sub> at <ref>": the page and `flock show` say the same. */
export function describeTrustedPublish(tp: { issuer: string; claims: Record<string, string> }): string {
  const from = tp.claims.repository ?? tp.claims.project_path ?? tp.claims.sub;
  return `Published by trusted publisher ${tp.issuer}${from ? ` from ${from}` : ''}${tp.claims.ref ? ` at ${tp.claims.ref}` : ''}`;
}
