import { AssetLinkError, createAssetResolver } from '../src/index.js';
import { startFakeGcp } from '../src/testing/gcp/index.js';

/**
 * Sama / Scale style GCS flow, offline: the customer grants the platform's identity Token Creator
 * on two service accounts of theirs (Object Viewer on the raw images, Object User on the labels
 * prefix); the platform impersonates them, reads gs:// images, writes labels back and hands an
 * annotator a V4 signed URL. Fake IAM Credentials, STS and GCS run in-process on 127.0.0.1.
 */
export async function runGcpDemo(log: (line: string) => void): Promise<void> {
  const fake = await startFakeGcp();
  const platform = 'labeling-platform@platform-prod.iam.gserviceaccount.com';
  const reader = 'labeling-reader@acme-ml.iam.gserviceaccount.com';
  const writer = 'labeling-writer@acme-ml.iam.gserviceaccount.com';
  const bucket = 'acme-ml-training';

  // What the customer does once (see docs/providers/gcp.md for the gcloud commands).
  fake.directory.registerToken('platform-adc-token', { principal: platform });
  fake.directory.addServiceAccount(reader);
  fake.directory.addServiceAccount(writer);
  fake.directory.grantTokenCreator(platform, reader);
  fake.directory.grantTokenCreator(platform, writer);
  fake.gcs.createBucket(bucket, { iam: { [reader]: 'roles/storage.objectViewer', [writer]: 'roles/storage.objectUser' } });
  fake.gcs.putObject(bucket, 'images/2024/cat-0001.jpg', '<jpeg bytes of a cat>', { contentType: 'image/jpeg' });

  const resolver = createAssetResolver({
    integrations: [
      { id: 'acme-images', provider: 'gcp', scope: { bucket, prefix: 'images' }, auth: { kind: 'impersonation', serviceAccount: reader } },
      { id: 'acme-labels', provider: 'gcp', mode: 'read-write', scope: { bucket, prefix: 'labels' }, auth: { kind: 'impersonation', serviceAccount: writer } },
    ],
    platform: { gcp: { authClient: { getAccessToken: async () => ({ token: 'platform-adc-token' }) }, ...fake.endpoints } },
  });
  try {
    const image = await resolver.resolveAsset(`https://storage.googleapis.com/${bucket}/images/2024/cat-0001.jpg`);
    const bytes = await image.bytes();
    const [mint] = fake.iam.calls;
    log(`impersonate  ${platform}\n             → ${mint?.serviceAccount} scope=${mint?.scope?.join(' ')} (${fake.iam.count('generateAccessToken')} generateAccessToken call)`);
    log(`downscope    STS access boundary: ${fake.sts.calls[0]?.rules?.[0]?.availabilityCondition?.expression ?? 'none'}`);
    log(`read         ${image.location.uri} via "${image.integrationId}": ${bytes.byteLength} bytes, "${new TextDecoder().decode(bytes)}"`);

    try {
      await image.write('overwrite attempt');
    } catch (error) {
      if (!(error instanceof AssetLinkError)) throw error;
      log(`write        refused on read-only integration: ${error.code}`);
    }

    const label = await resolver.resolveAsset(`gs://${bucket}/labels/2024/cat-0001.json`);
    await label.write(JSON.stringify({ label: 'cat', box: [12, 40, 200, 180] }), { contentType: 'application/json' });
    log(`write-back   ${label.location.uri} (${fake.gcs.getObject(bucket, 'labels/2024/cat-0001.json')?.data.byteLength} bytes, read_write token of ${writer})`);

    const url = await resolver.presign(image.location.uri, 900);
    const response = await fetch(url.url);
    log(`signed URL   GET, expires ${url.expiresAt.toISOString()}, signed by IAM signBlob as ${reader} (${fake.iam.count('signBlob')} signBlob call)`);
    log(`fetched back HTTP ${response.status}: "${await response.text()}"`);
    const tampered = url.url.replace(/X-Goog-Signature=(.)/, (_m, c: string) => `X-Goog-Signature=${c === 'a' ? 'b' : 'a'}`);
    log(`tampered URL HTTP ${(await fetch(tampered)).status} (the fake GCS verifies every signature)`);
  } finally {
    await resolver.close();
    await fake.close();
  }
}
