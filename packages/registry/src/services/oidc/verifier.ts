import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { FlockError, parseIssuer } from '@flock/core';
import type { Clock } from '../clock.js';
import { readCapped } from '../../read-capped.js';

/** What the verifier fetches, and how long it trusts what it fetched. */
export const OIDC_LIMITS = {
  maxTokenChars: 16 * 1024,
  maxDocumentBytes: 64 * 1024,
  maxKeys: 50,
  fetchTimeoutMs: 5000,
  cacheTtlMs: 10 * 60 * 1000,
  /** An unknown `kid` refetches the JWKS at most this often per issuer, so random kids cannot make us hammer it. */
  refetchIntervalMs: 30 * 1000,
  skewSeconds: 60,
} as const;

// Asymmetric only: with HS* an issuer's public key could be used as an HMAC secret, and `none` is no signature.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface OidcVerifierDeps {
  clock: Clock;
  /** Only an issuer named by a live trusted publisher is ever fetched: a token cannot point the registry at a URL. */
  issuerKnown: (issuer: string) => Promise<boolean>;
  fetch?: typeof fetch;
}

interface IssuerKeys {
  keys: JSONWebKeySet;
  jwksUri: string;
  fetchedAt: number;
  /** When an unknown kid last made us refetch (0: never). */
  refetchedAt: number;
}

const invalid = (what: string) => new FlockError('invalid_token', what);

/** Reads at most `max` bytes of a JSON answer, stopping the stream at the cap. */
async function readJsonCapped(response: Response, max: number, what: string): Promise<unknown> {
  if (!response.ok) throw invalid(`The issuer's ${what} answered HTTP ${response.status}`);
  if (!/\bjson\b/i.test(response.headers.get('content-type') ?? '')) throw invalid(`The issuer's ${what} is not JSON`);
  const body = await readCapped(response, max);
  if (body === null) throw invalid(`The issuer's ${what} is larger than ${max} bytes`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid(`The issuer's ${what} is not JSON`);
  }
}

/**
 * Verifies OIDC ID tokens (JWTs) of registered issuers: discovery document and
 * JWKS fetched on first use and cached per issuer, signature, issuer, times.
 * The audience and claim rules are the exchange's: they depend on the publisher.
 */
export function createOidcVerifier({ clock, issuerKnown, fetch: fetchImpl = fetch }: OidcVerifierDeps) {
  const cache = new Map<string, IssuerKeys>();
  const counts = { discovery: 0, jwks: 0 };

  async function getJson(url: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      // No redirects: the URLs were checked, where a redirect would lead was not.
      response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(OIDC_LIMITS.fetchTimeoutMs), headers: { accept: 'application/json' } });
    } catch {
      throw invalid(`Could not fetch the issuer's ${what}`);
    }
    return readJsonCapped(response, OIDC_LIMITS.maxDocumentBytes, what);
  }

  async function fetchJwks(jwksUri: string): Promise<JSONWebKeySet> {
    counts.jwks++;
    const body = (await getJson(jwksUri, 'JWKS')) as { keys?: unknown } | null;
    const keys = body?.keys;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null)) throw invalid("The issuer's JWKS has no keys array");
    if (keys.length > OIDC_LIMITS.maxKeys) throw invalid(`The issuer's JWKS has ${keys.length} keys; at most ${OIDC_LIMITS.maxKeys}`);
    return { keys } as JSONWebKeySet;
  }

  async function discover(issuer: string): Promise<IssuerKeys> {
    counts.discovery++;
    const doc = (await getJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, 'discovery document')) as Record<string, unknown> | null;
    if (doc?.issuer !== issuer) throw invalid("The issuer's discovery document names another issuer");
    let jwksUri: string;
    try {
      jwksUri = parseIssuer(doc.jwks_uri);
    } catch {
      throw invalid("The issuer's jwks_uri is not an https URL");
    }
    return { keys: await fetchJwks(jwksUri), jwksUri, fetchedAt: clock().getTime(), refetchedAt: 0 };
  }

  async function keysOf(issuer: string): Promise<IssuerKeys> {
    const cached = cache.get(issuer);
    if (cached && clock().getTime() - cached.fetchedAt < OIDC_LIMITS.cacheTtlMs) return cached;
    const fresh = await discover(issuer);
    cache.set(issuer, fresh);
    return fresh;
  }

  async function verifyWith(token: string, issuer: string, keys: JSONWebKeySet): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys), {
      algorithms: ALGORITHMS, issuer, currentDate: clock(), clockTolerance: OIDC_LIMITS.skewSeconds, requiredClaims: ['exp', 'iat', 'jti'],
    });
    return payload;
  }

  /** The verified claims of `token`, or FlockError invalid_token (401) saying what failed. */
  async function verify(token: string): Promise<JWTPayload> {
    if (token.length > OIDC_LIMITS.maxTokenChars) throw invalid(`The ID token is longer than ${OIDC_LIMITS.maxTokenChars} characters`);
    if (!JWT_SHAPE.test(token)) throw invalid('The ID token is not a JWT');
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw invalid('The ID token is not a JWT');
    }
    if (typeof iss !== 'string' || !(await issuerKnown(iss))) throw invalid('The ID token is from an issuer no trusted publisher names');
    const entry = await keysOf(iss);
    const payload = await checked(token, iss, entry);
    // jose checks iat only with maxTokenAge; a token "issued" in the future is refused here.
    if (typeof payload.iat !== 'number' || payload.iat > clock().getTime() / 1000 + OIDC_LIMITS.skewSeconds) {
      throw invalid('The ID token was issued in the future');
    }
    return payload;
  }

  async function checked(token: string, iss: string, entry: IssuerKeys): Promise<JWTPayload> {
    try {
      try {
        return await verifyWith(token, iss, entry.keys);
      } catch (error) {
        const now = clock().getTime();
        if (!(error instanceof errors.JWKSNoMatchingKey) || now - entry.refetchedAt < OIDC_LIMITS.refetchIntervalMs) throw error;
        // The issuer may have rotated its keys: one refetch, then the same check.
        entry.refetchedAt = now;
        entry.keys = await fetchJwks(entry.jwksUri);
        return await verifyWith(token, iss, entry.keys);
      }
    } catch (error) {
      throw error instanceof FlockError ? error : invalid(reason(error));
    }
  }

  return { verify, counts };
}

/** One line for each way jose refuses a token. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The ID token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The ID token is not valid yet';
    return `The ID token's ${error.claim} claim is not acceptable (${error.reason})`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "No key of the issuer matches the ID token's kid";
  if (error instanceof errors.JOSEAlgNotAllowed) return "The ID token's algorithm is not allowed";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The ID token's signature does not verify";
  return 'The ID token is not valid';
}

export type OidcVerifier = ReturnType<typeof createOidcVerifier>;
