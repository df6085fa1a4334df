import { describe, expect, it } from 'vitest';
import { MAX_CLAIM_RULES, parseClaimRules, parseIssuer, parseTrustedPublisherInput } from './trusted-publishers.js';

const good = { issuer: 'https://token.actions.githubusercontent.com', audience: 'https://flock.example', claims: { repository: 'acme/palette' } };

describe('trusted publisher input', () => {
  it('takes an https issuer, an audience and claim rules, sorting the rules', () => {
    const input = parseTrustedPublisherInput({ ...good, package: 'palette', claims: { ref: 'refs/heads/main', repository: 'acme/palette' } });
    expect(input).toEqual({ package: 'palette', issuer: good.issuer, audience: good.audience, claims: { ref: 'refs/heads/main', repository: 'acme/palette' } });
    expect(Object.keys(input.claims)).toEqual(['ref', 'repository']);
    expect(parseTrustedPublisherInput(good).package).toBeNull();
  });

  it('allows plain http only on loopback', () => {
    expect(parseIssuer('http://127.0.0.1:8080/realms/ci')).toBe('http://127.0.0.1:8080/realms/ci');
    expect(() => parseIssuer('http://issuer.example')).toThrow('issuer must be an https URL');
    expect(() => parseIssuer('ftp://127.0.0.1')).toThrow('issuer must be an https URL');
    expect(() => parseIssuer('https://u:p@issuer.example')).toThrow('credentials');
    expect(() => parseIssuer('https://issuer.example/?a=1')).toThrow('query');
    expect(() => parseIssuer('not a url')).toThrow('is not a URL');
  });

  it('refuses a publisher without rules, too many rules, reserved claims and control characters', () => {
    expect(() => parseClaimRules({})).toThrow('at least one rule');
    const many = Object.fromEntries(Array.from({ length: MAX_CLAIM_RULES + 1 }, (_, i) => [`c${i}`, 'x']));
    expect(() => parseClaimRules(many)).toThrow(`at most ${MAX_CLAIM_RULES}`);
    expect(() => parseClaimRules({ aud: 'x' })).toThrow('checked by the registry itself');
    expect(() => parseClaimRules({ 'bad name': 'x' })).toThrow('is not valid');
    expect(() => parseClaimRules({ ref: 'a\nb' })).toThrow('control characters');
    expect(() => parseClaimRules({ ref: 7 })).toThrow('must be a string');
    expect(() => parseClaimRules(['ref'])).toThrow('must be an object');
  });

  it('refuses unknown fields and bad package names', () => {
    expect(() => parseTrustedPublisherInput({ ...good, extra: 1 })).toThrow('Unknown field "extra"');
    expect(() => parseTrustedPublisherInput({ ...good, package: '../x' })).toThrow();
    expect(() => parseTrustedPublisherInput({ ...good, audience: '' })).toThrow('audience must be 1 to 200 characters');
  });
});
