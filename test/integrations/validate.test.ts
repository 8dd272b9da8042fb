import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type Integration } from '../../src/index.js';
import { InvalidIntegrationError } from '../../src/errors.js';

const CANARY = {
  secretKey: 'CANARY-SECRET-ACCESS-KEY-7f3a',
  sessionToken: 'CANARY-SESSION-TOKEN-91bc',
  clientSecret: 'CANARY-CLIENT-SECRET-5d2e',
  externalId: 'CANARY-EXTERNAL-ID-ab12cd34',
  privateKey: '-----BEGIN PRIVATE KEY-----\nCANARYPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n',
};

const good: Record<string, Integration> = {
  assumeRole: { id: 'aws-ar', provider: 'aws', scope: { bucket: 'customer-bucket', prefix: 'images' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/assetlink', externalId: CANARY.externalId } },
  accessKey: { id: 'aws-ak', provider: 'aws', mode: 'read-write', scope: { bucket: 'customer-bucket', region: 'eu-west-1', accountId: '123456789012' }, auth: { kind: 'access-key', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: CANARY.secretKey, sessionToken: CANARY.sessionToken } },
  crossAccount: { id: 'aws-x', provider: 'aws', scope: { bucket: 'other.bucket' }, auth: { kind: 'cross-account' } },
  impersonation: { id: 'gcp-imp', provider: 'gcp', scope: { bucket: 'my_gcs-bucket' }, auth: { kind: 'impersonation', serviceAccount: 'reader@proj.iam.gserviceaccount.com', delegates: ['hop@proj.iam.gserviceaccount.com'] } },
  gcpKey: { id: 'gcp-key', provider: 'gcp', scope: { bucket: 'bucket-1' }, auth: { kind: 'service-account-key', credentials: { client_email: 'sa@proj.iam.gserviceaccount.com', private_key: CANARY.privateKey } } },
  azureSecret: { id: 'az-cs', provider: 'azure', scope: { account: 'acct1', container: 'media', prefix: 'in/' }, auth: { kind: 'client-secret', tenantId: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: CANARY.clientSecret } },
  azureFederated: { id: 'az-fed', provider: 'azure', scope: { account: 'acct1', container: 'media' }, auth: { kind: 'federated', tenantId: 'contoso.onmicrosoft.com', clientId: '66666666-7777-8888-9999-000000000000', assertion: async () => 'jwt' } },
  https: { id: 'cdn', provider: 'https', scope: { hosts: ['cdn.example.com', '*.assets.example.org'] } },
  memory: { id: 'mem', provider: 'memory', scope: { bucket: 'store' } },
  file: { id: 'files', provider: 'file', mode: 'read-write', scope: { root: '/srv/assets' } },
};

type Row = [string, (i: Record<string, unknown>) => unknown, string];
const bad: Row[] = [
  ['role ARN that is not an ARN', (i) => ({ ...i, auth: { ...(i.auth as object), roleArn: 'role/assetlink' } }), 'auth.roleArn'],
  ['role ARN of a user', (i) => ({ ...i, auth: { ...(i.auth as object), roleArn: 'arn:aws:iam::123456789012:user/bob' } }), 'auth.roleArn'],
  ['external ID too short', (i) => ({ ...i, auth: { ...(i.auth as object), externalId: 'x' } }), 'auth.externalId'],
  ['external ID too long', (i) => ({ ...i, auth: { ...(i.auth as object), externalId: 'a'.repeat(1225) } }), 'auth.externalId'],
  ['external ID with spaces', (i) => ({ ...i, auth: { ...(i.auth as object), externalId: 'has space' } }), 'auth.externalId'],
  ['duration too short', (i) => ({ ...i, auth: { ...(i.auth as object), durationSeconds: 60 } }), 'auth.durationSeconds'],
  ['session name with spaces', (i) => ({ ...i, auth: { ...(i.auth as object), sessionName: 'a b' } }), 'auth.sessionName'],
  ['prefix with ..', (i) => ({ ...i, scope: { bucket: 'customer-bucket', prefix: 'images/../secret' } }), 'scope.prefix'],
  ['prefix with leading slash', (i) => ({ ...i, scope: { bucket: 'customer-bucket', prefix: '/images' } }), 'scope.prefix'],
  ['prefix with empty segment', (i) => ({ ...i, scope: { bucket: 'customer-bucket', prefix: 'a//b' } }), 'scope.prefix'],
  ['bad bucket', (i) => ({ ...i, scope: { bucket: 'Bad_Bucket' } }), 'scope.bucket'],
  ['bad region', (i) => ({ ...i, scope: { bucket: 'customer-bucket', region: 'Europe' } }), 'scope.region'],
  ['bad mode', (i) => ({ ...i, mode: 'admin' }), 'mode'],
  ['missing id', (i) => ({ ...i, id: '' }), 'id'],
  ['unknown auth kind', (i) => ({ ...i, auth: { kind: 'password' } }), 'auth.kind'],
];

describe('integration validation', () => {
  it.each(Object.entries(good))('accepts %s', (_name, integration) => {
    const resolver = createAssetResolver();
    const summary = resolver.addIntegration(integration);
    expect(summary.id).toBe(integration.id);
    expect(summary.mode).toBe(integration.mode ?? 'read-only');
  });

  it.each(bad)('rejects %s naming the field', (_name, mutate, field) => {
    const resolver = createAssetResolver();
    let error: unknown;
    try { resolver.addIntegration(mutate(good.assumeRole as unknown as Record<string, unknown>) as Integration); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(InvalidIntegrationError);
    expect((error as InvalidIntegrationError).code).toBe('INVALID_INTEGRATION');
    expect((error as InvalidIntegrationError).field).toBe(field);
    expect((error as Error).message).toContain(field);
  });

  it.each([
    ['gcp service account that is not an e-mail', { ...good.impersonation, auth: { kind: 'impersonation', serviceAccount: 'reader' } }, 'auth.serviceAccount'],
    ['gcp bucket starting with goog', { ...good.impersonation, scope: { bucket: 'google-photos' } }, 'scope.bucket'],
    ['azure client id not a GUID', { ...good.azureSecret, auth: { kind: 'client-secret', tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'app', clientSecret: 'x' } }, 'auth.clientId'],
    ['azure account with capitals', { ...good.azureSecret, scope: { account: 'Acct', container: 'media' } }, 'scope.account'],
    ['azure federated without a function', { ...good.azureFederated, auth: { kind: 'federated', tenantId: 'contoso.onmicrosoft.com', clientId: '66666666-7777-8888-9999-000000000000', assertion: 'jwt' } }, 'auth.assertion'],
    ['https host with a scheme', { ...good.https, scope: { hosts: ['https://cdn.example.com'] } }, 'scope.hosts[0]'],
    ['https read-write', { ...good.https, mode: 'read-write' }, 'mode'],
    ['file root not absolute', { ...good.file, scope: { root: 'relative/dir' } }, 'scope.root'],
  ] as Array<[string, unknown, string]>)('rejects %s', (_name, integration, field) => {
    expect(() => createAssetResolver().addIntegration(integration as Integration)).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field }));
  });

  it('defaults mode to read-only', () => {
    expect(createAssetResolver().addIntegration(good.memory!).mode).toBe('read-only');
  });

  it('never prints secrets: JSON, inspect, summaries, match results and errors', () => {
    const resolver = createAssetResolver({ integrations: Object.values(good) });
    const surfaces: string[] = [
      JSON.stringify(resolver), inspect(resolver, { depth: 10 }), JSON.stringify(resolver.listIntegrations()),
      inspect(resolver.integration('aws-ak'), { depth: 10 }), JSON.stringify(resolver.integration('gcp-key')),
      JSON.stringify(resolver.match('s3://customer-bucket/images/a.jpg')), inspect(resolver.match('gs://my_gcs-bucket/a'), { depth: 10 }),
    ];
    for (const make of [
      () => resolver.addIntegration({ ...good.accessKey!, id: 'bad', auth: { kind: 'access-key', accessKeyId: CANARY.secretKey, secretAccessKey: CANARY.secretKey } } as Integration),
      () => resolver.addIntegration({ ...good.assumeRole!, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/x', externalId: `${CANARY.externalId} ` } } as Integration),
      () => resolver.addIntegration({ ...good.gcpKey!, auth: { kind: 'service-account-key', credentials: { client_email: 'sa@p.iam.gserviceaccount.com', private_key: CANARY.clientSecret } } } as Integration),
    ]) {
      try { make(); } catch (e) { surfaces.push(String(e), (e as Error).message, JSON.stringify(e), inspect(e, { depth: 10 }), (e as Error).stack ?? ''); }
    }
    expect(surfaces.length).toBeGreaterThan(10);
    for (const surface of surfaces) {
      for (const canary of Object.values(CANARY)) expect(surface).not.toContain(canary.trim().split('\n')[1] ?? canary);
      for (const canary of [CANARY.secretKey, CANARY.sessionToken, CANARY.clientSecret, CANARY.externalId, 'CANARYPRIVATEKEYMATERIAL']) {
        expect(surface).not.toContain(canary);
      }
    }
  });

  it('errors are AssetLinkErrors with stable codes', () => {
    try { createAssetResolver().addIntegration({} as Integration); } catch (e) {
      expect(e).toBeInstanceOf(AssetLinkError);
      expect((e as AssetLinkError).retryable).toBe(false);
      return;
    }
    throw new Error('expected a throw');
  });
});
