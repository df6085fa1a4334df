import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { FlockError } from '@flock/core';

export const MAX_URL_BYTES = 2048;
/** Of a receiver's answer, this much is read (and dropped); the rest is not waited for. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A webhook URL: https, or plain http to this machine (a receiver beside the registry, tests),
 * at most 2 KiB, without credentials or a fragment. Where it resolves is checked at send time.
 */
export function parseWebhookUrl(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new FlockError('bad_request', 'url must be an https URL');
  const raw = value.trim();
  if (Buffer.byteLength(raw) > MAX_URL_BYTES) throw new FlockError('bad_request', `url is longer than ${MAX_URL_BYTES} bytes`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FlockError('bad_request', 'url is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new FlockError('bad_request', 'url must be an https URL (plain http only to 127.0.0.1, localhost or [::1])');
  }
  if (url.username || url.password || url.hash) throw new FlockError('bad_request', 'url must not carry credentials or a fragment');
  return url.href;
}

// Where a webhook must not reach unless the operator allows it: this machine, private networks,
// link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and reserved ranges.
// Two lists: a BlockList's IPv6 rules also match IPv4 addresses (as ::ffff:a.b.c.d), so ::ffff:0:0/96 would catch them all.
const PRIVATE_V4 = new BlockList();
const PRIVATE_V6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE_V4.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) PRIVATE_V6.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE_V4.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return family === 4 ? PRIVATE_V4.check(address, 'ipv4') : PRIVATE_V6.check(address, 'ipv6');
}

/** `Flock-Signature`: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> (docs/webhooks.md). */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export interface SendInput {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** FLOCK_WEBHOOK_PRIVATE_TARGETS=1: private and loopback addresses may be reached. */
  allowPrivate: boolean;
}

/** An attempt's outcome: the receiver's status, or a one-line reason it got none. */
export type SendResult = { status: number; error: null } | { status: null; error: string };

/**
 * POSTs one delivery. The host is resolved here and every address checked, then the
 * connection goes to the checked address (no second lookup an attacker's DNS could
 * answer differently). Redirects are not followed: a 3xx is a failed attempt.
 */
export async function sendWebhook(input: SendInput): Promise<SendResult> {
  const url = new URL(input.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    return { status: null, error: `cannot resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  if (addresses.length === 0) return { status: null, error: `cannot resolve ${host}: no address` };
  const refused = input.allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
  if (refused) {
    return { status: null, error: `refused: ${host} resolves to ${refused.address}, a private or loopback address (FLOCK_WEBHOOK_PRIVATE_TARGETS=1 allows it)` };
  }
  const chosen = addresses[0]!;
  // Node may ask for all addresses (autoSelectFamily) or one: either way, only the checked one.
  const pinned = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [chosen]);
    else callback(null, chosen.address, chosen.family);
  }) as unknown as LookupFunction;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = Buffer.from(input.body);
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request(url, {
      method: 'POST', agent: false, lookup: pinned,
      headers: { ...input.headers, 'content-type': 'application/json', 'content-length': String(body.byteLength), 'user-agent': 'Flock-Webhooks/1' },
    }, (res: IncomingMessage) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.byteLength;
        if (read >= MAX_RESPONSE_BYTES) finish({ status: res.statusCode ?? 0, error: null });
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, error: null }));
      res.on('error', () => finish({ status: res.statusCode ?? 0, error: null }));
    });
    // The whole attempt, body included, within the timeout: a receiver that trickles is cut off.
    const timer = setTimeout(() => finish({ status: null, error: `no answer within ${Math.round(input.timeoutMs / 1000)} s` }), input.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, error: `${error.code ?? 'error'}: ${error.message}`.slice(0, 200) }));
    req.end(body);
  });
}
