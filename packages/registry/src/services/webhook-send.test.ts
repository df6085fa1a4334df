import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPrivateAddress, parseWebhookUrl, signatureHeader } from './webhook-send.js';
import { nextAttemptAt, RETRY_STEPS } from './webhook-worker.js';

describe('webhook targets, signatures and retries', () => {
  it('knows private, loopback, link-local and reserved addresses, IPv4 written as IPv6 included', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1']) {
      expect([address, isPrivateAddress(address)]).toEqual([address, false]);
    }
  });

  it('takes https URLs, and plain http only to this machine', () => {
    expect(parseWebhookUrl('https://hooks.example.com/flock?x=1')).toBe('https://hooks.example.com/flock?x=1');
    expect(parseWebhookUrl('http://127.0.0.1:9000/hook')).toBe('http://127.0.0.1:9000/hook');
    expect(parseWebhookUrl('http://[::1]:9000/hook')).toBe('http://[::1]:9000/hook');
    for (const bad of ['http://10.0.0.1/hook', 'http://hooks.example.com/', 'file:///etc/passwd', 'https://a:b@hooks.example.com/', 'https://hooks.example.com/#x', '', 42]) {
      expect(() => parseWebhookUrl(bad)).toThrow();
    }
  });

  it('signs "<t>.<body>" with HMAC-SHA256', () => {
    const expected = createHmac('sha256', 'whsec_test').update('1700000000.{"id":1}').digest('hex');
    expect(signatureHeader('whsec_test', '{"id":1}', 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('retries after 10 s, 30 s, 2 min, 10 min, … for about a day, then gives up', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    const delays = RETRY_STEPS.map((_, i) => nextAttemptAt(now, i + 1, 10_000)!.getTime() - now.getTime());
    expect(delays.slice(0, 4)).toEqual([10_000, 30_000, 120_000, 600_000]);
    const total = delays.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(total).toBeGreaterThan(20);
    expect(total).toBeLessThan(26);
    expect(nextAttemptAt(now, RETRY_STEPS.length + 1, 10_000)).toBeNull();
  });
});
