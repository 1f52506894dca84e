import { certificateNames, isInside, publicHost, servesHttps } from '../src/domain-config';
import { configErrorOf as errorOf, parseOver as parse } from './helpers/config-errors';

const ENVIRONMENTS = [
  { name: 'dev', path: '/dev' },
  { name: 'staging', host: 'staging.example.com' },
  { name: 'prod' },
];

describe('the domain config', () => {
  it('is null by default, and takes a name with an optional zone ID', () => {
    expect(parse({}).domain).toBeNull();
    expect(parse({ domain: { name: 'example.com' } }).domain).toEqual({ name: 'example.com', hostedZoneId: null });
    expect(parse({ domain: { name: 'example.com', hostedZoneId: 'Z0123456789ABC' } }).domain?.hostedZoneId).toBe('Z0123456789ABC');
  });

  it.each([
    ['a domain beside alb.certificateArn', { domain: { name: 'example.com' }, alb: { certificateArn: 'arn:aws:acm:eu-west-3:123456789012:certificate/abc' } }, 'domain: set either "domain"'],
    ['a host outside the domain', { domain: { name: 'example.com' }, environments: [{ name: 'dev', host: 'dev.example.org' }, { name: 'prod' }] }, 'environments[0].host: "dev.example.org" is not inside the domain example.com'],
    ['a name that only ends like the domain', { domain: { name: 'example.com' }, environments: [{ name: 'dev', host: 'badexample.com' }, { name: 'prod' }] }, 'environments[0].host: "badexample.com" is not inside'],
    ['a wildcard host', { domain: { name: 'example.com' }, environments: [{ name: 'dev', host: '*.example.com' }, { name: 'prod' }] }, 'environments[0].host: "*.example.com" is a wildcard'],
    ['a wildcard domain', { domain: { name: '*.example.com' } }, 'domain.name: expected a lowercase domain name'],
    ['a zone ID that is not one', { domain: { name: 'example.com', hostedZoneId: 'example.com' } }, 'domain.hostedZoneId: expected a Route 53 hosted zone ID'],
    ['an unknown field', { domain: { name: 'example.com', zone: 'x' } }, 'domain: Unrecognized key'],
  ])('refuses %s, naming the field', (_label, overrides, expected) => {
    expect(errorOf(overrides)).toContain(expected);
  });

  it('accepts a wildcard host without a domain, as before', () => {
    expect(parse({ environments: [{ name: 'dev', host: '*.example.com' }, { name: 'prod' }] }).domain).toBeNull();
  });

  it('covers the domain and every host, once each, in the certificate', () => {
    const config = parse({ domain: { name: 'example.com' }, environments: [...ENVIRONMENTS, { name: 'qa', host: 'qa.example.com', path: '/qa' }, { name: 'qa2', host: 'qa.example.com', path: '/qa2' }] });
    expect(certificateNames(config)).toEqual(['example.com', 'staging.example.com', 'qa.example.com']);
    expect(certificateNames(parse({}))).toEqual([]);
  });

  it('serves HTTPS with a domain or a certificate, and each environment at its host or the domain', () => {
    const config = parse({ domain: { name: 'example.com' }, environments: ENVIRONMENTS });
    expect(servesHttps(config)).toBe(true);
    expect(servesHttps(parse({}))).toBe(false);
    expect(config.environments.map((e) => publicHost(config, e))).toEqual(['example.com', 'staging.example.com', 'example.com']);
    expect(isInside('example.com', 'example.com')).toBe(true);
    expect(isInside('a.b.example.com', 'example.com')).toBe(true);
    expect(isInside('notexample.com', 'example.com')).toBe(false);
  });
});
