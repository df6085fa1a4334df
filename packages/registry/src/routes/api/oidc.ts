import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { FlockError, parsePackageRef } from '@flock/core';
import { readJson, requirePrincipal, type AppContext, type AppEnv } from '../../http.js';
import { isPublishToken } from '../../services/oidc/exchange.js';
import type { Publisher } from '../../services/publish.js';

const MAX_EXCHANGE_BODY = 20 * 1024;

/** /api/v1/oidc/exchange: a CI run's ID token for a short-lived publish token. */
export function oidcRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/exchange', async (c) => {
    const body = await readJson(c, MAX_EXCHANGE_BODY);
    if (typeof body.token !== 'string' || typeof body.package !== 'string') {
      throw new FlockError('bad_request', 'Expected a JSON body like {"token":"<ID token>","package":"org/name"}');
    }
    const { org, name } = parsePackageRef(body.package);
    const ip = getConnInfo(c).remote.address ?? 'unknown';
    return c.json(await c.var.services.oidc.exchange({ token: body.token, org, name, ip }));
  });
  return app;
}

/**
 * Who publishes: the publish and docs routes alone also take a `flock_oidc_` publish token.
 * Everywhere else it is no Principal (its shape is no Flock token) and answers 401 "Invalid token".
 */
export async function requirePublisher(c: AppContext): Promise<Publisher> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (match && isPublishToken(match[1]!)) return { kind: 'trusted', grant: await c.var.services.oidc.grant(match[1]!) };
  return { kind: 'user', principal: await requirePrincipal(c) };
}
