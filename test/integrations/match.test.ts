import { describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type Integration } from '../../src/index.js';

const aws = (id: string, bucket: string, prefix?: string, mode?: 'read-write'): Integration => ({
  id, provider: 'aws', ...(mode ? { mode } : {}), scope: { bucket, ...(prefix ? { prefix } : {}) },
  auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/r', externalId: 'ext-id-123' },
});
const azure = (id: string, account: string, container: string): Integration => ({
  id, provider: 'azure', scope: { account, container },
  auth: { kind: 'client-secret', tenantId: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: 's' },
});

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return (e as AssetLinkError).code; }
  return 'NO_ERROR';
}

describe('resolver.match', () => {
  const resolver = createAssetResolver({
    integrations: [
      aws('whole', 'photos'),
      aws('images', 'photos', 'images'),
      aws('images-2024', 'photos', 'images/2024', 'read-write'),
      aws('other', 'archive', 'x'),
      azure('az-a', 'accounta', 'shared'),
      azure('az-b', 'accountb', 'shared'),
      azure('az-only', 'accounta', 'solo'),
      { id: 'cdn', provider: 'https', scope: { hosts: ['cdn.example.com', '*.media.example.org'] } },
    ],
  });

  it.each([
    ['s3://photos/images/2024/a.jpg', 'images-2024', 'images/2024'],
    ['s3://photos/images/2023/a.jpg', 'images', 'images'],
    ['s3://photos/images-old/a.jpg', 'whole', ''],
    ['s3://photos/images', 'whole', ''],
    ['https://photos.s3.eu-west-1.amazonaws.com/images/2024/b.png', 'images-2024', 'images/2024'],
    ['https://accounta.blob.core.windows.net/shared/k', 'az-a', ''],
    ['https://accountb.blob.core.windows.net/shared/k', 'az-b', ''],
    ['az://solo/k.txt', 'az-only', ''],
    ['https://cdn.example.com/a/b.jpg', 'cdn', ''],
    ['https://eu.media.example.org/a.jpg', 'cdn', ''],
  ])('%s → %s', (uri, id, prefix) => {
    const m = resolver.match(uri);
    expect(m.integration.id).toBe(id);
    expect(m.matchedPrefix).toBe(prefix);
    expect(m.reason).toContain(id);
  });

  it('fills in the account for az:// from the matching integration', () => {
    const m = resolver.match('az://solo/k.txt');
    expect(m.location.account).toBe('accounta');
    expect(m.location.uri).toBe('https://accounta.blob.core.windows.net/solo/k.txt');
  });

  it.each([
    ['s3://archive/y/a.jpg', 'NO_INTEGRATION'],
    ['s3://nobody/a.jpg', 'NO_INTEGRATION'],
    ['gs://photos/images/a.jpg', 'NO_INTEGRATION'],
    ['az://shared/k', 'NO_INTEGRATION'],
    ['https://media.example.org/a.jpg', 'NO_INTEGRATION'],
    ['https://evil.com/cdn.example.com/a.jpg', 'NO_INTEGRATION'],
  ])('%s → %s', (uri, expected) => {
    expect(code(() => resolver.match(uri))).toBe(expected);
  });

  it('az:// ambiguous across accounts asks for the full https form', () => {
    try { resolver.match('az://shared/k'); } catch (e) {
      expect((e as Error).message).toContain('https://ACCOUNT.blob.core.windows.net/shared/k');
      return;
    }
    throw new Error('expected NO_INTEGRATION');
  });

  it('an explicitly named integration never falls back to another', () => {
    expect(code(() => resolver.match('s3://photos/images/2023/a.jpg', 'images-2024'))).toBe('OUT_OF_SCOPE');
    expect(code(() => resolver.match('s3://archive/x/a.jpg', 'whole'))).toBe('OUT_OF_SCOPE');
    expect(code(() => resolver.match('gs://photos/a.jpg', 'whole'))).toBe('OUT_OF_SCOPE');
    expect(code(() => resolver.match('s3://photos/a.jpg', 'no-such-id'))).toBe('NO_INTEGRATION');
    expect(resolver.match('s3://photos/images/2024/a.jpg', 'whole').integration.id).toBe('whole');
  });

  it('an ad-hoc integration object is validated and used without registering', () => {
    const m = resolver.match('s3://adhoc-bucket/k', aws('adhoc', 'adhoc-bucket'));
    expect(m.integration.id).toBe('adhoc');
    expect(code(() => resolver.match('s3://adhoc-bucket/k', { ...aws('whole', 'adhoc-bucket') }))).toBe('INVALID_INTEGRATION');
  });

  it('removeIntegration stops matching', () => {
    const r = createAssetResolver({ integrations: [aws('a', 'photos')] });
    expect(r.match('s3://photos/k').integration.id).toBe('a');
    expect(r.removeIntegration('a')).toBe(true);
    expect(code(() => r.match('s3://photos/k'))).toBe('NO_INTEGRATION');
  });
});
