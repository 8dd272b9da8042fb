import { createAssetResolver, parseAssetUri } from '../src/index.js';
import { SAS_VERSION, UserDelegationSasSigner, sasTime } from '../src/resolvers/azure/sas.js';
import { storagePipeline, createTrustingAgent } from '../src/resolvers/azure/http.js';
import { OperationSas, type OperationSasScope } from '../src/resolvers/azure/operation-sas.js';
import { startAzureTestEnvironment } from '../src/testing/azure/environment.js';
import { bestOfInterleaved, compare, type BenchRow } from './measure.js';

/**
 * Azure user-delegation SAS URLs per second, in the same run:
 * - the Azure driver's presign (cached delegation key lookup, blob URL built and checked, local
 *   signing) against the SDK's BlobClient.generateUserDelegationSasUrl with the same key: both
 *   start from a resolved blob and a key in hand. Target ≥ 2×;
 * - the bare signer against generateBlobSASQueryParameters with the same delegation key, target ≥ 2×;
 * - the whole resolver.presign (adds URI parsing, scope matching, TTL checks, the audit event and
 *   the telemetry span, all provider-independent) against the SDK, for the record.
 * Azurite and the fake Entra run in-process; only the first URL touches the network.
 */
export async function bench(): Promise<BenchRow[]> {
  const tenantId = '4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d';
  const clientId = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
  const account = 'benchacct';
  const env = await startAzureTestEnvironment({
    accounts: [account], containers: [`${account}/bench`], apps: [{ tenantId, clientId, clientSecret: 'bench-secret' }],
  });
  const resolver = createAssetResolver({
    integrations: [{ id: 'bench', provider: 'azure', scope: { account, container: 'bench' }, auth: { kind: 'client-secret', tenantId, clientId, clientSecret: 'bench-secret' } }],
    platform: { azure: env.platform },
  });
  const agent = createTrustingAgent(env.tls.ca);
  try {
    let n = 0;
    const ours = (): Promise<unknown> => resolver.presign(`https://${account}.blob.core.windows.net/bench/images/${n++ % 1000}.jpg`, 3600);
    await ours();

    const sdk = await import('@azure/storage-blob');
    // The same kind of key the driver caches, fetched through the SDK for the baselines.
    const accessToken = ((await (await env.fetch(`${env.entra.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'bench-secret', scope: 'https://storage.azure.com/.default' }).toString(),
    })).json()) as { access_token: string }).access_token;
    const credential = { getToken: async () => ({ token: accessToken, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const service = new sdk.BlobServiceClient(env.azurite.blobEndpoint(account), storagePipeline(sdk, credential, agent));
    const now = Date.now();
    const key = await service.getUserDelegationKey(new Date(now - 300_000), new Date(now + 86_400_000));
    const container = service.getContainerClient('bench');
    const options = (): { permissions: InstanceType<typeof sdk.BlobSASPermissions>; startsOn: Date; expiresOn: Date; protocol: typeof sdk.SASProtocol.Https; version: string } => ({
      permissions: sdk.BlobSASPermissions.parse('r'), startsOn: new Date(Date.now() - 300_000), expiresOn: new Date(Date.now() + 3_600_000),
      protocol: sdk.SASProtocol.Https, version: SAS_VERSION,
    });
    const sdkUdkUrl = (): Promise<string> => container.getBlobClient(`images/${n++ % 1000}.jpg`).generateUserDelegationSasUrl(options(), key);

    const keyed = new sdk.ContainerClient(`${env.azurite.blobEndpoint(account)}/bench`, new sdk.StorageSharedKeyCredential(account, env.azurite.accountKey(account)));
    const sdkSharedKeyUrl = (): Promise<string> => keyed.getBlobClient(`images/${n++ % 1000}.jpg`).generateSasUrl(options());

    const signer = new UserDelegationSasSigner({
      signedObjectId: key.signedObjectId, signedTenantId: key.signedTenantId, signedStartsOn: sasTime(key.signedStartsOn),
      signedExpiresOn: sasTime(key.signedExpiresOn), signedService: key.signedService, signedVersion: key.signedVersion, value: key.value,
    });
    const ownSign = (): string => signer.sign({
      account, container: 'bench', blob: `images/${n++ % 1000}.jpg`, permissions: 'r',
      startsOn: new Date(Date.now() - 300_000), expiresOn: new Date(Date.now() + 3_600_000),
    });
    const sdkSign = (): string => sdk.generateBlobSASQueryParameters({ containerName: 'bench', blobName: `images/${n++ % 1000}.jpg`, ...options() }, key, account).toString();

    const driver = await resolver.driver('azure');
    const integration = resolver.integration('bench');
    const locations = Array.from({ length: 1000 }, (_, i) => parseAssetUri(`https://${account}.blob.core.windows.net/bench/images/${i}.jpg`));
    const driverPresign = (): Promise<unknown> => driver.presign({ integration, location: locations[n++ % 1000]! }, { method: 'GET', ttlSeconds: 3600, clamp: false });

    // Data plane: a head of one small blob per call, through the driver (per-operation SAS from the
    // cache, anonymous pipeline) and through the SDK with the bearer token (what the driver did
    // before it minted a SAS per operation). Both go to Azurite over HTTPS on loopback.
    await env.azurite.putBlob('bench', 'data/one.bin', new Uint8Array(1024), { account });
    const dataLocation = parseAssetUri(`https://${account}.blob.core.windows.net/bench/data/one.bin`);
    const driverHead = (): Promise<unknown> => driver.head({ integration, location: dataLocation });
    const driverRead = async (): Promise<unknown> => {
      const stream = await driver.read({ integration, location: dataLocation });
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) void chunk;
      return undefined;
    };
    const bearerBlob = new sdk.BlobClient(`${env.azurite.blobEndpoint(account)}/bench/data/one.bin`, storagePipeline(sdk, credential, agent));
    const sdkHead = (): Promise<unknown> => bearerBlob.getProperties();
    const sdkRead = async (): Promise<unknown> => {
      const response = await bearerBlob.download();
      for await (const chunk of response.readableStreamBody as AsyncIterable<Uint8Array>) void chunk;
      return undefined;
    };
    const [headOps = 0, sdkHeadOps = 0, readOps = 0, sdkReadOps = 0] = await bestOfInterleaved([driverHead, sdkHead, driverRead, sdkRead], 3, 1_000, 10);

    // The per-operation SAS itself, without the network: the cached lookup every data-plane call
    // makes against signing a fresh one (what it costs once per window, blob and permission).
    const operationSas = new OperationSas({ now: Date.now, clockSkewSeconds: 300 });
    const sasScope: OperationSasScope = {
      key: 'bench', integrationId: 'bench', mode: 'read-only', account, container: 'bench', uri: 'bench', signer: async () => signer,
    };
    const cachedSas = (): Promise<string> => operationSas.query(sasScope, { resource: 'b', path: 'data/one.bin', permissions: 'r' });
    const freshSas = (): string => signer.sign({
      account, container: 'bench', blob: `data/${n++ % 1000}.bin`, permissions: 'r', startsOn: new Date(Date.now() - 300_000), expiresOn: new Date(Date.now() + 1_800_000),
    });
    const [cachedSasOps = 0, freshSasOps = 0] = await bestOfInterleaved([cachedSas, freshSas], 3, 300, 50);

    const keyCallsBefore = env.azurite.userDelegationKeyRequests;
    const [driverOps = 0, resolverOps = 0, udkUrlOps = 0, sharedKeyOps = 0, signerOps = 0, sdkSignOps = 0] = await bestOfInterleaved(
      [driverPresign, ours, sdkUdkUrl, sdkSharedKeyUrl, ownSign, sdkSign], 4, 500, 50,
    );
    const keyCalls = env.azurite.userDelegationKeyRequests - keyCallsBefore;
    const note = `user delegation key requests during the run: ${keyCalls}; Entra token calls in total: ${env.entra.tokensIssued}`;
    return [
      compare('azure driver presign GET (user-delegation SAS, cached key)', '@azure/storage-blob BlobClient.generateUserDelegationSasUrl, same key', driverOps, udkUrlOps, 2, note),
      compare('SAS signer (UserDelegationSasSigner.sign)', 'generateBlobSASQueryParameters, same delegation key', signerOps, sdkSignOps, 2),
      compare('resolver.presign GET (parse + match + audit + telemetry + driver)', '@azure/storage-blob BlobClient.generateUserDelegationSasUrl', resolverOps, udkUrlOps, 3,
        'issue 19 target; unique blob URIs per call (1,000 cycled), no reuse; the provider-independent path is what separates this row from the driver row'),
      compare('resolver.presign GET (parse + match + audit + telemetry + driver)', '@azure/storage-blob BlobClient.generateSasUrl (account key)', resolverOps, sharedKeyOps),
      compare('azure driver head (per-operation r SAS, cached per window)', '@azure/storage-blob getProperties with the bearer token', headOps, sdkHeadOps, undefined,
        'Azurite on loopback; the SAS replaces the bearer token on every data-plane request (docs/providers/azure.md)'),
      compare('azure driver read 1 KiB (per-operation r SAS)', '@azure/storage-blob download with the bearer token', readOps, sdkReadOps),
      compare('per-operation SAS, cached for its window (OperationSas.query)', 'signing a fresh SAS (UserDelegationSasSigner.sign)', cachedSasOps, freshSasOps, undefined,
        'what each data-plane request pays for its SAS on the hot path'),
    ];
  } finally {
    agent?.destroy();
    await resolver.close();
    await env.close();
  }
}
