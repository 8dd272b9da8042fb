// Type-checked (never run) in every consumer, with node16 and bundler resolution and strict flags.
import {
  createAssetResolver, isAssetLinkError, AssetLinkError, federatedTokenFile,
  type Integration, type AwsCredentialIdentityProvider, type AssetLinkEvent, type ResolvedAsset, type WriteBody,
} from 'assetlink';
import { createTestResolver, type TestResolver } from 'assetlink/testing';
import { Readable } from 'node:stream';

const integrations: Integration[] = [
  { id: 'acme', provider: 'aws', scope: { bucket: 'acme-data', prefix: 'images' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/x', externalId: 'ext-0123456789' } },
  { id: 'contoso', provider: 'azure', scope: { account: 'contoso', container: 'media' }, auth: { kind: 'federated', tenantId: 't', clientId: 'c', tokenFile: '/var/run/token' } },
  { id: 'contoso-fn', provider: 'azure', scope: { account: 'contoso', container: 'media' }, auth: { kind: 'federated', tenantId: 't', clientId: 'c', assertion: federatedTokenFile('/var/run/token') } },
];
const provider: AwsCredentialIdentityProvider = async () => ({ accessKeyId: 'AKIA', secretAccessKey: 's', expiration: new Date() });
const resolver = createAssetResolver({ integrations, platform: { aws: { credentials: provider } }, onEvent: (e: AssetLinkEvent) => { if (e.type === 'asset.read') void e.bytes; } });

export async function use(asset: ResolvedAsset): Promise<number> {
  const bodies: WriteBody[] = ['text', new Uint8Array(1), Readable.from(['a']), new ReadableStream<Uint8Array>()];
  for (const body of bodies) await asset.write(body);
  try {
    return (await asset.head()).size;
  } catch (error) {
    if (isAssetLinkError(error, 'NOT_FOUND')) return 0;
    if (error instanceof AssetLinkError && error.code === 'READ_ONLY') return -1;
    throw error;
  }
}
export const t: Promise<TestResolver> = createTestResolver({ providers: ['aws'] });
export { resolver };
