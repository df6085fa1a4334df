import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { readJson, type AppEnv } from '../../http.js';
import { parseDeviceName } from '../../services/device-codes.js';

/** Bodies here are one short string each. */
const MAX_BODY = 4096;

/**
 * /api/v1/device: the CLI's half of `flock login --web` (see services/device-codes.ts).
 * Neither call takes a token. A poll without a token yet is a 400 whose error is
 * RFC 8628's code: authorization_pending, slow_down, access_denied or expired_token.
 */
export function deviceRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/code', async (c) => {
    // The body is optional: without one the token gets a generic name.
    const body = c.req.raw.body === null || c.req.header('content-length') === '0' ? {} : await readJson(c, MAX_BODY);
    const name = parseDeviceName(body.name);
    const started = await c.var.services.deviceCodes.start({ name, ip: getConnInfo(c).remote.address ?? 'unknown' });
    const verificationUri = `${c.var.publicUrl}/device`;
    return c.json({
      deviceCode: started.deviceCode,
      userCode: started.userCode,
      verificationUri,
      verificationUriComplete: `${verificationUri}?code=${started.userCode}`,
      expiresIn: started.expiresIn,
      interval: started.interval,
    });
  });
  app.post('/token', async (c) => c.json(await c.var.services.deviceCodes.poll((await readJson(c, MAX_BODY)).deviceCode)));
  return app;
}
