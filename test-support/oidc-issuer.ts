import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** An OIDC issuer for tests: discovery and JWKS on 127.0.0.1, keys made here, tokens signed on demand. */
export interface FakeIssuer {
  /** The issuer URL (`iss`), e.g. http://127.0.0.1:PORT. */
  url: string;
  /** Signs `claims` over defaults (iss, iat = now, exp = now + 5 min, jti random, sub). */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** Replaces the RSA key with a new one under a new kid (the old kid disappears from the JWKS). */
  rotate(): Promise<string>;
  /** How often discovery and the JWKS were fetched. */
  counts: { discovery: number; jwks: number };
  /** What the discovery document says its `issuer` is (default: url). */
  discoveryIssuer: string | null;
  close(): Promise<void>;
}

export interface SignOptions {
  /** RS256 (default), ES256, `none` (unsigned) or HS256 (signed with the RSA public key's PEM as the HMAC secret). */
  alg?: 'RS256' | 'ES256' | 'none' | 'HS256';
  kid?: string;
  header?: Record<string, unknown>;
  /** "Now" for the defaults (the registry's clock in tests with a movable one). */
  now?: Date;
}

interface Key {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(alg: 'RS256' | 'ES256', kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startFakeIssuer(): Promise<FakeIssuer> {
  let rsa = await makeKey('RS256', 'rsa-1');
  const ec = await makeKey('ES256', 'ec-1');
  let generation = 1;
  const counts = { discovery: 0, jwks: 0 };
  const server: Server = createServer((req, res) => {
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') {
      counts.discovery++;
      json({ issuer: issuer.discoveryIssuer ?? issuer.url, jwks_uri: `${issuer.url}/jwks` });
    } else if (req.url === '/jwks') {
      counts.jwks++;
      json({ keys: [rsa.jwk, ec.jwk] });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const issuer: FakeIssuer = {
    url,
    counts,
    discoveryIssuer: null,
    async sign(claims = {}, options = {}) {
      const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
      const payload = { iss: url, sub: 'repo:acme/palette:ref:refs/heads/main', iat: now, exp: now + 300, jti: randomUUID(), ...claims };
      const alg = options.alg ?? 'RS256';
      if (alg === 'none') return `${b64({ alg: 'none', typ: 'JWT', ...options.header })}.${b64(payload)}.`;
      if (alg === 'HS256') {
        // The classic confusion: the public key, as a verifier might hold it, used as an HMAC secret.
        const secret = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
        return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: options.kid ?? rsa.kid, ...options.header }).sign(secret);
      }
      const key = alg === 'ES256' ? ec : rsa;
      return new SignJWT(payload).setProtectedHeader({ alg, kid: options.kid ?? key.kid, typ: 'JWT', ...options.header }).sign(key.privateKey);
    },
    async rotate() {
      generation++;
      rsa = await makeKey('RS256', `rsa-${generation}`);
      return rsa.kid;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return issuer;
}
