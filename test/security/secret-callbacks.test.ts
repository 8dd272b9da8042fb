/**
 * Secret fields given as vault callbacks (`secretAccessKey`, `clientSecret`, `private_key` as
 * `() => Promise<string>`): called only when credentials are minted — counted across 1,000
 * presigns — and the values they return never reach errors, events, spans or printed objects
 * (canary sweep, as in canaries.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type Integration } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { Canaries, describeLeaks, leaks, Sweep } from './fixtures/sweep.js';

const RUN = randomBytes(4).toString('hex');
const canaries = new Canaries();
const sweep = new Sweep();
const events: AssetLinkEvent[] = [];

const AWS_KEY_ID = `AKIAVAULT${RUN.toUpperCase()}01`;
const AWS_SECRET = canaries.add('aws.vault.secretAccessKey', `CANARY-vault-aws-secret-${RUN}`);
const AZURE_SECRET = canaries.add('azure.vault.clientSecret', `CANARY-vault-azure-secret-${RUN}`);
const WRONG_SECRET = canaries.add('aws.vault.wrongSecret', `CANARY-vault-wrong-secret-${RUN}`);
const CALLBACK_ERROR = canaries.add('vault.error', `CANARY-vault-unreachable-${RUN}`);
const ENTRA_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const AZURE_APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const GCP_SA = 'vault-keyed@customer.iam.gserviceaccount.com';

let aws: AwsFakes;
let gcp: FakeGcp;
let azure: AzureTestEnvironment;
let gcpKeyPem: string;

/** A vault: counts reads per secret. */
const reads = new Map<string, number>();
const vault = (name: string, value: () => string) => async (): Promise<string> => {
  reads.set(name, (reads.get(name) ?? 0) + 1);
  return value();
};

beforeAll(async () => {
  aws = await startAwsFakes({ buckets: [{ name: 'vault-bucket', ownerAccountId: '444444444444' }] });
  aws.keyring.addStaticKey({
    accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET, accountId: '444444444444', principalArn: 'arn:aws:iam::444444444444:user/customer',
    policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }],
  });
  await aws.s3.putObject('vault-bucket', 'in/a.txt', 'aws');
  gcp = await startFakeGcp();
  gcpKeyPem = gcp.directory.addServiceAccount(GCP_SA).privateKeyPem;
  canaries.add('gcp.vault.private_key', gcpKeyPem.split('\n')[5]!);
  gcp.gcs.createBucket('vault-gcs', { iam: { [GCP_SA]: 'roles/storage.objectViewer' } });
  gcp.gcs.putObject('vault-gcs', 'in/a.txt', 'gcp');
  azure = await startAzureTestEnvironment({
    accounts: ['vaultacct'], containers: ['vaultacct/vault'],
    apps: [{ tenantId: ENTRA_TENANT, clientId: AZURE_APP, clientSecret: AZURE_SECRET }],
  });
  await azure.azurite.putBlob('vault', 'in/a.txt', 'azure', { account: 'vaultacct' });
});
afterAll(async () => {
  await Promise.allSettled([aws?.close(), gcp?.close(), azure?.close()]);
});

function integrations(): Integration[] {
  return [
    { id: 'aws-vault', tenant: 'acme', provider: 'aws', scope: { bucket: 'vault-bucket', prefix: 'in', region: 'us-east-1' },
      auth: { kind: 'access-key', accessKeyId: AWS_KEY_ID, secretAccessKey: vault('aws', () => AWS_SECRET) } },
    { id: 'gcp-vault', tenant: 'acme', provider: 'gcp', scope: { bucket: 'vault-gcs', prefix: 'in' },
      auth: { kind: 'service-account-key', credentials: { client_email: GCP_SA, private_key: vault('gcp', () => gcpKeyPem) } } },
    { id: 'azure-vault', tenant: 'acme', provider: 'azure', scope: { account: 'vaultacct', container: 'vault', prefix: 'in' },
      auth: { kind: 'client-secret', tenantId: ENTRA_TENANT, clientId: AZURE_APP, clientSecret: vault('azure', () => AZURE_SECRET) } },
  ];
}

function resolverFor(list: Integration[] = integrations()) {
  return createAssetResolver({
    platform: {
      aws: aws.platform,
      gcp: { apiEndpoint: gcp.gcs.url, signingEndpoint: gcp.gcs.url, iamEndpoint: gcp.iam.url, maxRetries: 0 },
      azure: azure.platform,
    },
    integrations: list,
    onEvent: (e) => events.push(e),
  });
}

const URIS = {
  aws: 's3://vault-bucket/in/a.txt',
  gcp: 'gs://vault-gcs/in/a.txt',
  azure: 'https://vaultacct.blob.core.windows.net/vault/in/a.txt',
} as const;

describe('secret callbacks', () => {
  it('are not called at registration, and once per minted credential across 1,000 presigns per provider', async () => {
    reads.clear();
    const resolver = resolverFor();
    try {
      expect([...reads.values()]).toEqual([]);
      const view = resolver.forTenant('acme');
      for (const provider of ['aws', 'gcp', 'azure'] as const) {
        const urls = await Promise.all(Array.from({ length: 1000 }, () => view.presign(URIS[provider], 300)));
        const fetcher = provider === 'azure' ? azure.fetch : fetch;
        const res = await fetcher(urls[999]!.url);
        expect(res.status, provider).toBe(200);
        expect(await res.text()).toBe(provider);
        sweep.text(`${provider}.presigned`, urls.slice(0, 3).map((u) => JSON.stringify(u)).join('\n'));
        expect(reads.get(provider), provider).toBe(1);
      }
      // Reads through the SDK clients reuse what was minted.
      for (const provider of ['aws', 'gcp', 'azure'] as const) {
        const asset = await view.resolveAsset(URIS[provider]);
        expect(new TextDecoder().decode(await asset.bytes())).toBe(provider);
        sweep.record(`${provider}.asset`, asset);
      }
      expect(Object.fromEntries(reads)).toEqual({ aws: 1, gcp: 1, azure: 1 });
      sweep.record('resolver', resolver);
      sweep.record('view', view);
      sweep.record('summaries', resolver.listIntegrations());
    } finally { await resolver.close(); }
  });

  it('after updateIntegration the new callback is read at the next mint', async () => {
    reads.clear();
    const resolver = resolverFor();
    try {
      await resolver.forTenant('acme').presign(URIS.aws, 60);
      const [awsVault] = integrations();
      resolver.updateIntegration({ ...awsVault!, auth: { kind: 'access-key', accessKeyId: AWS_KEY_ID, secretAccessKey: vault('aws-rotated', () => AWS_SECRET) } } as Integration);
      await resolver.forTenant('acme').presign(URIS.aws, 60);
      await resolver.forTenant('acme').presign(URIS.aws, 60);
      expect(Object.fromEntries(reads)).toEqual({ aws: 1, 'aws-rotated': 1 });
    } finally { await resolver.close(); }
  });

  it('failures (a wrong secret, a vault that throws or returns nothing) are typed and print no secret', async () => {
    const resolver = resolverFor([
      { id: 'aws-wrong', tenant: 'acme', provider: 'aws', scope: { bucket: 'vault-bucket', region: 'us-east-1' },
        auth: { kind: 'access-key', accessKeyId: AWS_KEY_ID, secretAccessKey: async () => WRONG_SECRET } },
      { id: 'aws-down', tenant: 'acme', provider: 'aws', scope: { bucket: 'vault-bucket', prefix: 'in', region: 'us-east-1' },
        auth: { kind: 'access-key', accessKeyId: AWS_KEY_ID, secretAccessKey: async () => { throw Object.assign(new Error(`vault at https://vault.internal?token=x refused: ${CALLBACK_ERROR}`), { code: 'ECONNREFUSED' }); } } },
      { id: 'gcp-empty', tenant: 'acme', provider: 'gcp', scope: { bucket: 'vault-gcs' },
        auth: { kind: 'service-account-key', credentials: { client_email: GCP_SA, private_key: async () => '' } } },
      { id: 'azure-wrong', tenant: 'acme', provider: 'azure', scope: { account: 'vaultacct', container: 'vault' },
        auth: { kind: 'client-secret', tenantId: ENTRA_TENANT, clientId: AZURE_APP, clientSecret: async () => WRONG_SECRET } },
    ]);
    try {
      const view = resolver.forTenant('acme');
      const wrong = await sweep.failure('aws.wrong', view.resolveAsset('s3://vault-bucket/in/a.txt', 'aws-wrong').then((a) => a.bytes()));
      expect(wrong.code).toBe('ACCESS_DENIED');
      const down = await sweep.failure('aws.vault-down', view.resolveAsset('s3://vault-bucket/in/a.txt', 'aws-down').then((a) => a.head()));
      expect(down).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', retryable: true, message: expect.stringContaining('auth.secretAccessKey') });
      expect(down.message).toContain('Error (ECONNREFUSED)');
      const empty = await sweep.failure('gcp.empty', view.presign('gs://vault-gcs/in/a.txt', 60, { integration: 'gcp-empty' }));
      expect(empty).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', message: expect.stringContaining('returned no secret') });
      const azureWrong = await sweep.failure('azure.wrong', view.resolveAsset(URIS.azure, 'azure-wrong').then((a) => a.head()));
      expect(azureWrong.code).toBe('ACCESS_DENIED');
    } finally { await resolver.close(); }
  });

  it('no canary appears in any recorded surface or event', () => {
    sweep.record('events', events);
    expect(events.length).toBeGreaterThan(0);
    const found = leaks(sweep.surfaces, canaries);
    expect(found, describeLeaks(found)).toEqual([]);
  });
});
