// The CommonJS view of the declarations (index.d.cts, testing.d.cts), type-checked, never run.
import assetlink = require('assetlink');
import testing = require('assetlink/testing');

const resolver: assetlink.AssetResolver = assetlink.createAssetResolver({ integrations: [{ id: 'm', provider: 'memory', scope: { bucket: 'm' } }] });
export async function read(uri: string): Promise<Uint8Array> {
  const asset = await resolver.resolveAsset(uri);
  return asset.bytes();
}
export const cloud: Promise<testing.FakeCloud> = testing.startFakeCloud({ providers: ['gcp'] });
export const isError = (e: unknown): boolean => assetlink.isAssetLinkError(e, 'READ_ONLY');
