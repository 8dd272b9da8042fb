import { describe, expect, it } from 'vitest';
import { AssetLinkError } from '../../src/index.js';
import { checkAddresses, checkTarget, type SsrfPolicy } from '../../src/net/ssrf-policy.js';
import { parseTargetUrl, resolveRedirect } from '../../src/net/target-url.js';

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(AssetLinkError); return (e as AssetLinkError).code; }
  return 'OK';
}

const policy: SsrfPolicy = { allowedHosts: ['cdn.example.com', '*.media.example.org', '93.184.216.34', '127.0.0.1'], allowPorts: [8443], allowPrivateHosts: [] };

describe('parseTargetUrl', () => {
  it('splits host, port, request target and a query-free display form', () => {
    expect(parseTargetUrl('https://CDN.example.com/a%20b/c.jpg?X-Amz-Signature=abc#frag')).toEqual({
      host: 'cdn.example.com', hostname: 'cdn.example.com', ipFamily: 0, port: 443,
      path: '/a%20b/c.jpg?X-Amz-Signature=abc',
      display: 'https://cdn.example.com/a%20b/c.jpg',
      href: 'https://cdn.example.com/a%20b/c.jpg?X-Amz-Signature=abc',
    });
    expect(parseTargetUrl('https://[2001:db8::1]:8443?q=1')).toMatchObject({ host: '[2001:db8::1]', hostname: '2001:db8::1', ipFamily: 6, port: 8443, path: '/?q=1' });
    expect(parseTargetUrl('https://cdn.example.com/a b/ü?x=ü').path).toBe('/a%20b/%C3%BC?x=%C3%BC');
    expect(parseTargetUrl('https://cdn.example.com/100%/x').path).toBe('/100%25/x');
  });

  it.each([
    'http://cdn.example.com/a',
    'ftp://cdn.example.com/a',
    'file:///etc/passwd',
    'https:cdn.example.com/a',
    '/relative/path',
    'https://user:pass@cdn.example.com/a',
    'https://user@cdn.example.com/a',
    'https://2130706433/a',
    'https://0x7f000001/a',
    'https://0x7f.0.0.1/a',
    'https://0177.0.0.1/a',
    'https://127.1/a',
    'https://cdn.example.com./a',
    'https://cdn%2eexample.com/a',
    'https://cdn.example.com\\@evil.com/a',
    'https://cdn.example.com/a\r\nHost: evil',
    'https://cdn.example.com:99999/a',
  ])('refuses %s with BLOCKED_HOST', (url) => {
    expect(code(() => parseTargetUrl(url))).toBe('BLOCKED_HOST');
  });
});

describe('resolveRedirect', () => {
  const current = parseTargetUrl('https://cdn.example.com/dir/a.jpg?sig=1');
  it.each([
    ['/other.jpg', 'https://cdn.example.com/other.jpg'],
    ['b.jpg', 'https://cdn.example.com/dir/b.jpg'],
    ['../up.jpg', 'https://cdn.example.com/up.jpg'],
    ['?v=2', 'https://cdn.example.com/dir/a.jpg?v=2'],
    ['//x.media.example.org/a', 'https://x.media.example.org/a'],
    ['https://x.media.example.org/a', 'https://x.media.example.org/a'],
    ['http://x.media.example.org/a', 'http://x.media.example.org/a'], // refused by parseTargetUrl next
  ])('%s → %s', (location, expected) => {
    expect(resolveRedirect(location, current)).toBe(expected);
  });
});

describe('checkTarget', () => {
  it.each([
    ['https://cdn.example.com/a', 'OK'],
    ['https://a.media.example.org/a', 'OK'],
    ['https://media.example.org/a', 'BLOCKED_HOST'], // *.suffix never covers the bare suffix
    ['https://evilmedia.example.org/a', 'BLOCKED_HOST'],
    ['https://cdn.example.com.evil.com/a', 'BLOCKED_HOST'],
    ['https://other.example.com/a', 'BLOCKED_HOST'],
    ['https://cdn.example.com:8443/a', 'OK'],
    ['https://cdn.example.com:443/a', 'OK'],
    ['https://cdn.example.com:8080/a', 'BLOCKED_HOST'],
    ['https://93.184.216.34/a', 'OK'],
    ['https://127.0.0.1/a', 'BLOCKED_HOST'], // allow-listed, but a loopback literal
  ])('%s → %s', (url, expected) => {
    expect(code(() => checkTarget(parseTargetUrl(url), policy))).toBe(expected);
  });

  it('lets allowPrivateHosts (tests only) reach a loopback literal, never a metadata one', () => {
    const testing: SsrfPolicy = { ...policy, allowedHosts: ['127.0.0.1', '169.254.169.254'], allowPrivateHosts: ['127.0.0.1', '169.254.169.254'] };
    expect(code(() => checkTarget(parseTargetUrl('https://127.0.0.1/a'), testing))).toBe('OK');
    expect(code(() => checkTarget(parseTargetUrl('https://169.254.169.254/a'), testing))).toBe('BLOCKED_HOST');
  });
});

describe('checkAddresses', () => {
  const target = parseTargetUrl('https://cdn.example.com/a?X-Amz-Signature=secret');
  it.each([
    [['93.184.216.34'], 'OK'],
    [['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'], 'OK'],
    [['93.184.216.34', '10.0.0.1'], 'BLOCKED_HOST'],
    [['10.0.0.1', '93.184.216.34'], 'BLOCKED_HOST'],
    [['93.184.216.34', '::ffff:127.0.0.1'], 'BLOCKED_HOST'],
    [['93.184.216.34', 'fd00:ec2::254'], 'BLOCKED_HOST'],
    [['93.184.216.34', 'not-an-address'], 'BLOCKED_HOST'],
    [[], 'BLOCKED_HOST'],
  ])('%j → %s', (addresses, expected) => {
    expect(code(() => checkAddresses(target, addresses, policy))).toBe(expected);
  });

  it('never puts the query (signature) in the message', () => {
    try { checkAddresses(target, ['10.0.0.1'], policy); } catch (e) {
      expect((e as Error).message).toContain('https://cdn.example.com/a');
      expect((e as Error).message).not.toContain('secret');
      return;
    }
    throw new Error('expected BLOCKED_HOST');
  });
});
