// Bundled by esbuild in a project with no provider SDK: the build succeeds (the SDK imports are
// left for run time) and the first use names every missing package at once.
import { createAssetResolver, isAssetLinkError } from 'assetlink';

const resolver = createAssetResolver({
  platform: { aws: { credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x' } } },
  integrations: [{ id: 'acme', provider: 'aws', scope: { bucket: 'acme-data' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/x', externalId: 'ext-0123456789' } }],
});
resolver.resolveAsset('s3://acme-data/a.txt').then(
  () => console.log(JSON.stringify({ unexpected: 'resolved' })),
  (error) => console.log(JSON.stringify(isAssetLinkError(error) ? { code: error.code, message: error.message } : { unexpected: String(error) })),
);
