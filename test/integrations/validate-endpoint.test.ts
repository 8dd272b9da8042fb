import util from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificate } from '../../src/testing/azure/tls.js';
import { AssetLinkError, createAssetResolver, parseAssetUri, validateIntegration, type Integration } from '../../src/index.js';
import { InvalidIntegrationError } from '../../src/errors.js';

/**
 * Issue 16 item 3: `AwsIntegration.endpoint` validation (every bad field is INVALID_INTEGRATION
 * naming the field and the integration), and how store hosts parse (path-style, virtual-hosted,
 * pinned versions) — no network.
 */

let CA = '';
beforeAll(async () => { CA = (await createTestCertificate()).ca; });

const keyAuth = { kind: 'access-key', accessKeyId: 'f3a9c0d1e2b4a5968778695a4b3c2d1e', secretAccessKey: 'r2-secret-value' };
const store = (endpoint: unknown, extra: Record<string, unknown> = {}): Integration =>
  ({ id: 'acme-r2', provider: 'aws', mode: 'read-write', scope: { bucket: 'media' }, auth: keyAuth, endpoint, ...extra } as unknown as Integration);

function invalid(fn: () => unknown): InvalidIntegrationError {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(InvalidIntegrationError); return e as InvalidIntegrationError; }
  throw new Error('expected INVALID_INTEGRATION');
}

describe('endpoint validation', () => {
  it('accepts the vendor recipes of docs/providers/s3-compatible.md, normalising URLs', () => {
    const r2 = validateIntegration(store({ url: 'https://ACCT123.r2.cloudflarestorage.com/', region: 'auto' }));
    expect(r2).toMatchObject({ endpoint: { url: 'https://acct123.r2.cloudflarestorage.com', region: 'auto' } });
    const minio = validateIntegration(store({ url: 'https://minio.internal:9000', publicUrl: 'https://files.example.com', forcePathStyle: true, ca: CA }));
    expect(minio).toMatchObject({ endpoint: { url: 'https://minio.internal:9000', publicUrl: 'https://files.example.com', forcePathStyle: true } });
    expect(validateIntegration(store({ url: 'https://s3.eu-central-003.backblazeb2.com', region: 'eu-central-003' }))).toMatchObject({ endpoint: { region: 'eu-central-003' } });
    expect(validateIntegration(store({ url: 'http://127.0.0.1:9000' }))).toMatchObject({ endpoint: { url: 'http://127.0.0.1:9000' } });
    expect(validateIntegration(store({ url: 'http://localhost:9000/base/' }))).toMatchObject({ endpoint: { url: 'http://localhost:9000/base' } });
  });

  it.each([
    ['endpoint', 'https://minio.example.com'],
    ['endpoint.url', {}],
    ['endpoint.url', { url: 'ftp://minio.example.com' }],
    ['endpoint.url', { url: 'not a url' }],
    ['endpoint.url', { url: 'https://user:pass@minio.example.com' }],
    ['endpoint.url', { url: 'https://minio.example.com/?x=1' }],
    ['endpoint.url', { url: 'https://minio.example.com#frag' }],
    ['endpoint.url', { url: 'https://minio.example.com/a/../b' }],
    ['endpoint.url', { url: 'http://minio.example.com' }],
    ['endpoint.url', { url: 'http://10.0.0.5:9000' }],
    ['endpoint.url', { url: 'https://169.254.169.254' }],
    ['endpoint.url', { url: 'http://[fd00:ec2::254]' }],
    ['endpoint.url', { url: 'https://metadata.google.internal' }],
    ['endpoint.publicUrl', { url: 'https://minio.example.com', publicUrl: 'http://files.example.com' }],
    ['endpoint.publicUrl', { url: 'https://minio.example.com', publicUrl: 'https://files.example.com?sig=1' }],
    ['endpoint.stsUrl', { url: 'https://minio.example.com', stsUrl: 'https://169.254.169.254/latest' }],
    ['endpoint.region', { url: 'https://minio.example.com', region: 'US East' }],
    ['endpoint.forcePathStyle', { url: 'https://minio.example.com', forcePathStyle: 'yes' }],
    ['endpoint.ca', { url: 'https://minio.example.com', ca: 'not a pem' }],
    ['endpoint.ca', { url: 'https://minio.example.com', ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }],
    ['endpoint.color', { url: 'https://minio.example.com', color: 'blue' }],
    ['endpoint.stsUrl', { url: 'https://minio.example.com', stsUrl: 'https://minio.example.com' }],
  ])('refuses %s in %j, naming the field and the integration', (field, endpoint) => {
    const error = invalid(() => validateIntegration(store(endpoint)));
    expect(error.code).toBe('INVALID_INTEGRATION');
    expect(error.field).toBe(field);
    expect(error.integrationId).toBe('acme-r2');
    expect(error.message).toContain('integration "acme-r2"');
  });

  it('refuses AWS-only scope fields and auth kinds on a store', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['scope.region', { scope: { bucket: 'media', region: 'eu-west-1' } }],
      ['scope.partition', { scope: { bucket: 'media', partition: 'aws' } }],
      ['scope.bucket', { scope: { bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/ap' } }],
      ['scope.bucket', { scope: { bucket: 'fast--usw2-az1--x-s3' } }],
      ['auth.kind', { auth: { kind: 'cross-account' } }],
      ['endpoint.stsUrl', { auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::000000000000:role/x', externalId: 'ext-1' } }],
      ['endpoint.stsCredentials', { auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::000000000000:role/x', externalId: 'ext-1' }, endpoint: { url: 'https://minio.example.com', stsUrl: 'https://minio.example.com' } }],
      ['auth.accessKeyId', { auth: { ...keyAuth, accessKeyId: 'has space' } }],
    ];
    for (const [field, extra] of cases) {
      const error = invalid(() => validateIntegration(store({ url: 'https://minio.example.com' }, extra)));
      expect(error.field, JSON.stringify(extra)).toBe(field);
    }
  });

  it('store access keys need not look like AWS keys, and an assume-role store integration validates', () => {
    expect(validateIntegration(store({ url: 'https://minio.example.com' }, { auth: { ...keyAuth, accessKeyId: 'minio-user' } }))).toMatchObject({ auth: { accessKeyId: 'minio-user' } });
    expect(invalid(() => validateIntegration({ ...store(undefined), endpoint: undefined, auth: { ...keyAuth, accessKeyId: 'minio-user' } } as Integration)).field).toBe('auth.accessKeyId');
    const sessions = validateIntegration(store({ url: 'https://minio.example.com', stsUrl: 'https://minio.example.com', stsCredentials: { accessKeyId: 'assetlink', secretAccessKey: async () => 'vault' } }, {
      auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::000000000000:role/sessions', externalId: 'ignored-by-minio' },
    }));
    expect(sessions).toMatchObject({ endpoint: { stsUrl: 'https://minio.example.com', stsCredentials: { accessKeyId: 'assetlink' } } });
  });

  it('never prints the store secrets', () => {
    const secret = 'sts-user-secret-do-not-print';
    const resolver = createAssetResolver({
      integrations: [store({ url: 'https://minio.example.com', stsUrl: 'https://minio.example.com', stsCredentials: { accessKeyId: 'assetlink', secretAccessKey: secret } }, {
        auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::000000000000:role/sessions', externalId: 'ext-1' },
      })],
    });
    expect(JSON.stringify(resolver)).not.toContain(secret);
    expect(util.inspect(resolver, { depth: 10, showHidden: true })).not.toContain(secret);
    expect(JSON.stringify(resolver.match('https://minio.example.com/media/a.jpg'))).not.toContain(secret);
  });
});

describe('store hosts in URIs', () => {
  const resolver = createAssetResolver({
    integrations: [
      store({ url: 'https://minio.example.com', publicUrl: 'https://files.example.com/s3' }),
      { ...store({ url: 'https://acct.r2.cloudflarestorage.com', forcePathStyle: false, region: 'auto' }), id: 'r2' } as Integration,
    ],
  });

  it('path-style on url and publicUrl (with its base path), canonical URI kept on the store', () => {
    expect(resolver.match('https://MINIO.example.com/media/a%20b.jpg').location).toEqual({
      provider: 'aws', bucket: 'media', key: 'a b.jpg', endpoint: 'https://minio.example.com', uri: 'https://minio.example.com/media/a%20b.jpg',
    });
    expect(resolver.match('https://files.example.com/s3/media/x/y.jpg')).toMatchObject({ integration: { id: 'acme-r2' }, location: { bucket: 'media', key: 'x/y.jpg' } });
    expect(() => resolver.match('https://files.example.com/media/x.jpg')).toThrow(AssetLinkError);
  });

  it('virtual-hosted when forcePathStyle is false; pinned versions stay on the store', () => {
    const matched = resolver.match('https://media.acct.r2.cloudflarestorage.com/cats/1.jpg');
    expect(matched.integration.id).toBe('r2');
    expect(matched.location).toMatchObject({ bucket: 'media', key: 'cats/1.jpg', uri: 'https://acct.r2.cloudflarestorage.com/media/cats/1.jpg' });
    // An exact host is never read as BUCKET.host, and a bucket with dots is never virtual-hosted.
    expect(resolver.match('https://acct.r2.cloudflarestorage.com/media/cats/1.jpg').integration.id).toBe('r2');
    expect(() => resolver.match('https://a.b.acct.r2.cloudflarestorage.com/k')).toThrow(AssetLinkError);
    const pinned = resolver.match('https://minio.example.com/media/a.jpg?versionId=v1');
    expect(pinned.location).toMatchObject({ version: 'v1', uri: 'https://minio.example.com/media/a.jpg?versionId=v1' });
    expect(resolver.match(pinned.location.uri).location).toEqual(pinned.location);
  });

  it('the parser alone (no integrations) reads a store host as a plain https URL', () => {
    expect(parseAssetUri('https://minio.example.com/media/a.jpg').provider).toBe('https');
  });
});
