import { describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, validateIntegration, type Integration } from '../../src/index.js';

/**
 * Issue 13 item 3 (a bucket in another AWS partition is a different bucket) and issue 21's scope
 * rules: access point ARNs and aliases, directory buckets, Azure sovereign clouds. All without
 * network: `match` and `validateIntegration`.
 */

const role = (partition = 'aws'): { kind: 'assume-role'; roleArn: string; externalId: string } =>
  ({ kind: 'assume-role', roleArn: `arn:${partition}:iam::123456789012:role/reader`, externalId: 'ext-id-123' });
const awsIntegration = (id: string, scope: Record<string, unknown>, auth: Record<string, unknown> = role()): Integration =>
  ({ id, provider: 'aws', scope, auth } as unknown as Integration);
const azure = (id: string, scope: Record<string, unknown>): Integration => ({
  id, provider: 'azure', scope,
  auth: { kind: 'client-secret', tenantId: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: 's' },
} as unknown as Integration);

function error(fn: () => unknown): AssetLinkError {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(AssetLinkError); return e as AssetLinkError; }
  throw new Error('expected an error');
}

const AP = 'arn:aws:s3:us-west-2:123456789012:accesspoint/shared-ap';
const ALIAS = 'shared-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias';
const DIR = 'fast-data--usw2-az1--x-s3';

describe('AWS partitions (issue 13 item 3)', () => {
  const resolver = createAssetResolver({
    integrations: [
      awsIntegration('commercial', { bucket: 'assetlink-test' }),
      awsIntegration('china', { bucket: 'cn-data' }, role('aws-cn')),
      awsIntegration('gov', { bucket: 'gov-data', region: 'us-gov-west-1' }, { kind: 'cross-account' }),
      awsIntegration('explicit-cn', { bucket: 'cn-keys', partition: 'aws-cn' }, { kind: 'access-key', accessKeyId: 'AKIAEXAMPLEKEY00001', secretAccessKey: 'x' }),
    ],
  });

  it.each([
    'https://assetlink-test.s3.cn-north-1.amazonaws.com.cn/a.jpg',
    'https://assetlink-test.s3.us-gov-west-1.amazonaws.com/a.jpg',
    'https://s3.us-gov-east-1.amazonaws.com/assetlink-test/a.jpg',
    'https://myap-123456789012.s3-accesspoint.us-gov-west-1.amazonaws.com/a.jpg',
  ])('an aws-partition integration never matches %s', (uri) => {
    const refused = error(() => resolver.match(uri));
    expect(refused.code).toBe('NO_INTEGRATION');
    if (uri.includes('assetlink-test')) expect(refused.message).toMatch(/partition aws, but the URI names a bucket in aws-(cn|us-gov)/);
    const named = error(() => resolver.match(uri, 'commercial'));
    expect(named.code).toBe('OUT_OF_SCOPE');
  });

  it('names both partitions when refusing an explicitly named integration', () => {
    expect(error(() => resolver.match('https://assetlink-test.s3.cn-north-1.amazonaws.com.cn/a.jpg', 'commercial')).message)
      .toContain('integration "commercial" is in the AWS partition aws, but the URI names a bucket in aws-cn');
  });

  it.each([
    ['https://assetlink-test.s3.us-east-1.amazonaws.com/a.jpg', 'commercial'],
    ['https://assetlink-test.s3.amazonaws.com/a.jpg', 'commercial'],
    ['s3://assetlink-test/a.jpg', 'commercial'],
    ['https://cn-data.s3.cn-north-1.amazonaws.com.cn/a.jpg', 'china'],
    ['s3://cn-data/a.jpg', 'china'],
    ['https://gov-data.s3.us-gov-west-1.amazonaws.com/a.jpg', 'gov'],
    ['s3://gov-data/a.jpg', 'gov'],
    ['https://s3.cn-northwest-1.amazonaws.com.cn/cn-keys/a.jpg', 'explicit-cn'],
  ])('%s matches %s (s3:// takes the integration\'s partition)', (uri, id) => {
    expect(resolver.match(uri).integration.id).toBe(id);
  });

  it.each([
    'https://cn-data.s3.us-east-1.amazonaws.com/a.jpg',
    'https://gov-data.s3.us-east-1.amazonaws.com/a.jpg',
    'https://gov-data.s3.amazonaws.com/a.jpg',
    'https://cn-keys.s3.amazonaws.com/a.jpg',
  ])('a commercial URL of a bucket another partition\'s integration covers is refused: %s', (uri) => {
    expect(error(() => resolver.match(uri)).code).toBe('NO_INTEGRATION');
  });

  it.each([
    [{ bucket: 'b-1', partition: 'aws-cn' }, role('aws'), 'scope.partition'],
    [{ bucket: 'b-1', region: 'cn-north-1' }, role('aws'), 'scope.region'],
    [{ bucket: 'b-1', region: 'us-gov-west-1', partition: 'aws' }, { kind: 'cross-account' }, 'scope.partition'],
    [{ bucket: 'b-1', partition: 'aws-iso' }, role('aws'), 'scope.partition'],
    [{ bucket: 'b-1', region: 'us-iso-east-1' }, { kind: 'cross-account' }, 'scope.region'],
    [{ bucket: AP }, role('aws-cn'), 'scope.bucket'],
  ])('refuses an inconsistent partition: %j', (scope, auth, field) => {
    const refused = error(() => validateIntegration(awsIntegration('x', scope, auth)));
    expect(refused.code).toBe('INVALID_INTEGRATION');
    expect(refused.message.replace(/^integration "[^"]*": /, '').startsWith(`${field}:`)).toBe(true);
  });

  it('keeps an explicit partition in the normalised scope', () => {
    expect(validateIntegration(awsIntegration('x', { bucket: 'b-1', partition: 'aws-us-gov' }, { kind: 'cross-account' })).scope).toMatchObject({ partition: 'aws-us-gov' });
  });
});

describe('access points, aliases and directory buckets in scopes (issue 21)', () => {
  const resolver = createAssetResolver({
    integrations: [
      awsIntegration('ap', { bucket: AP, prefix: 'images' }),
      awsIntegration('alias', { bucket: ALIAS, accessPointArn: AP }),
      awsIntegration('underlying', { bucket: 'shared-bucket' }),
      awsIntegration('express', { bucket: DIR }),
    ],
  });

  it.each([
    `${AP}/object/images/a.jpg`,
    `s3://${AP}/images/a.jpg`,
    'https://shared-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/images/a.jpg',
    'https://shared-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/images/a.jpg?versionId=v1',
  ])('an access point ARN scope covers %s', (uri) => {
    const match = resolver.match(uri);
    expect(match.integration.id).toBe('ap');
    expect(match.location).toMatchObject({ bucket: AP, key: 'images/a.jpg', region: 'us-west-2' });
  });

  it('keeps the pinned version on the matched location', () => {
    expect(resolver.match('https://shared-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com/images/a.jpg?versionId=v1').location.version).toBe('v1');
  });

  it('an access point is not its bucket, nor another access point', () => {
    expect(error(() => resolver.match(`${AP}/object/secret/a.jpg`)).code).toBe('NO_INTEGRATION');
    expect(error(() => resolver.match('arn:aws:s3:us-west-2:123456789012:accesspoint/other-ap/object/images/a.jpg')).code).toBe('NO_INTEGRATION');
    expect(error(() => resolver.match(`${AP}/object/images/a.jpg`, 'underlying')).code).toBe('OUT_OF_SCOPE');
    expect(error(() => resolver.match('arn:aws:s3:eu-west-1:123456789012:accesspoint/shared-ap/object/images/a.jpg')).code).toBe('NO_INTEGRATION');
  });

  it('an alias scope covers the alias, in every form', () => {
    expect(resolver.match(`s3://${ALIAS}/k`).integration.id).toBe('alias');
    expect(resolver.match(`https://${ALIAS}.s3.us-west-2.amazonaws.com/k`).integration.id).toBe('alias');
  });

  it('a directory bucket scope covers its URIs', () => {
    expect(resolver.match(`s3://${DIR}/k`).integration.id).toBe('express');
    expect(resolver.match(`https://${DIR}.s3express-usw2-az1.us-west-2.amazonaws.com/k`).integration.id).toBe('express');
  });

  it.each([
    [{ bucket: ALIAS }, role(), 'scope.accessPointArn'],
    [{ bucket: 'plain-bucket', accessPointArn: AP }, role(), 'scope.accessPointArn'],
    [{ bucket: ALIAS, accessPointArn: 'arn:aws:s3:us-west-2:123:accesspoint/x' }, role(), 'scope.accessPointArn'],
    [{ bucket: AP, region: 'eu-west-1' }, role(), 'scope.region'],
    [{ bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/Bad' }, role(), 'scope.bucket'],
    [{ bucket: 'arn:aws:iam::123456789012:role/x' }, role(), 'scope.bucket'],
    [{ bucket: 'b--ol-s3' }, role(), 'scope.bucket'],
    [{ bucket: DIR, prefix: 'images' }, role(), 'scope.prefix'],
    [{ bucket: DIR, region: 'us-east-1' }, role(), 'scope.region'],
    [{ bucket: 'Bad_Bucket' }, role(), 'scope.bucket'],
  ])('refuses %j', (scope, auth, field) => {
    const refused = error(() => validateIntegration(awsIntegration('x', scope, auth)));
    expect(refused.code).toBe('INVALID_INTEGRATION');
    expect(refused.message.replace(/^integration "[^"]*": /, '').startsWith(`${field}:`)).toBe(true);
  });

  it('accepts an alias without its ARN where no session policy is minted', () => {
    expect(() => validateIntegration(awsIntegration('x', { bucket: ALIAS }, { kind: 'cross-account' }))).not.toThrow();
  });
});

describe('Azure clouds (issue 21)', () => {
  const resolver = createAssetResolver({
    integrations: [
      azure('public', { account: 'acct', container: 'data' }),
      azure('china', { account: 'cnacct', container: 'data', cloud: 'china' }),
      azure('gov', { account: 'govacct', container: 'gov', cloud: 'usgov' }),
    ],
  });

  it('matches an account in its own cloud only', () => {
    expect(resolver.match('https://acct.blob.core.windows.net/data/k').integration.id).toBe('public');
    expect(resolver.match('https://cnacct.blob.core.chinacloudapi.cn/data/k').integration.id).toBe('china');
    expect(resolver.match('abfss://gov@govacct.dfs.core.usgovcloudapi.net/k').integration.id).toBe('gov');
    expect(error(() => resolver.match('https://acct.blob.core.chinacloudapi.cn/data/k')).code).toBe('NO_INTEGRATION');
    expect(error(() => resolver.match('https://cnacct.blob.core.windows.net/data/k', 'china')).message)
      .toContain('integration "china" is in the Azure china cloud, but the URI names an account in the public cloud');
  });

  it('resolves az:// to the account host of the integration\'s cloud', () => {
    const match = resolver.match('az://gov/dir/k.txt');
    expect(match.location).toMatchObject({ account: 'govacct', cloud: 'usgov', uri: 'https://govacct.blob.core.usgovcloudapi.net/gov/dir/k.txt' });
  });

  it('validates scope.cloud', () => {
    const refused = error(() => validateIntegration(azure('x', { account: 'acct', container: 'data', cloud: 'germany' })));
    expect(refused.message.replace(/^integration "[^"]*": /, '').startsWith('scope.cloud:')).toBe(true);
  });
});

describe('control characters in scopes (issue 13 item 5 sibling)', () => {
  it.each(['a\u0085b', 'a\u202eb', 'a\u2028b'])('refuses prefix %j', (prefix) => {
    expect(error(() => validateIntegration(awsIntegration('x', { bucket: 'b-1', prefix }))).message.replace(/^integration "[^"]*": /, '').startsWith('scope.prefix:')).toBe(true);
  });
});
