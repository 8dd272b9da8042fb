import { sign as rsaSign, createPrivateKey } from 'node:crypto';
import { createAssetResolver } from '../src/index.js';
import { buildV4StringToSign } from '../src/resolvers/gcp/v4-signer.js';
import { startFakeGcp } from '../src/testing/gcp/index.js';
import { bestOfInterleaved, compare, opsPerSecond, type BenchRow } from './measure.js';

/**
 * GCP signed URLs:
 * - key-signed presign through the whole resolver vs @google-cloud/storage getSignedUrl (target ≥ 3×);
 * - the same vs a bare crypto.sign of a string-to-sign with a cached KeyObject (target ≥ 0.8×):
 *   everything assetlink adds around the RSA signature must stay small;
 * - impersonated presign: one IAM signBlob per URL, against the in-process fake IAM;
 * - issue 19: the same assets asked again and again (an annotation UI re-requesting one page of
 *   20 frames) with signed-URL reuse (`presignReuse: { windowSeconds: 300 }`) against the same
 *   calls without it (one signBlob each): target ≥ 20×, signBlob calls counted.
 */
export async function bench(): Promise<BenchRow[]> {
  const fake = await startFakeGcp();
  const email = 'bench-signer@bench-project.iam.gserviceaccount.com';
  const account = fake.directory.addServiceAccount(email);
  const credentials = { client_email: email, private_key: account.privateKeyPem };
  fake.directory.registerToken('bench-platform-token', { principal: 'platform@bench.iam.gserviceaccount.com' });
  fake.directory.grantTokenCreator('platform@bench.iam.gserviceaccount.com', email);
  const resolver = createAssetResolver({
    integrations: [
      { id: 'bench-key', provider: 'gcp', scope: { bucket: 'bench-bucket', prefix: 'key' }, auth: { kind: 'service-account-key', credentials } },
      { id: 'bench-imp', provider: 'gcp', scope: { bucket: 'bench-bucket', prefix: 'imp' }, auth: { kind: 'impersonation', serviceAccount: email } },
    ],
    platform: { gcp: { authClient: { getAccessToken: async () => ({ token: 'bench-platform-token' }) }, iamEndpoint: fake.iam.url } },
  });
  try {
    const rows: BenchRow[] = [];
    let n = 0;
    const presignKey = (): Promise<unknown> => resolver.presign(`gs://bench-bucket/key/images/${n++ % 1000}.jpg`, 3600);
    await presignKey();

    const { Storage } = await import('@google-cloud/storage');
    const storage = new Storage({ projectId: 'bench', credentials });
    const bucket = storage.bucket('bench-bucket');
    const sdkSign = (): Promise<unknown> => bucket.file(`key/images/${n++ % 1000}.jpg`).getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + 3_600_000 });
    await sdkSign();

    const keyObject = createPrivateKey(account.privateKeyPem);
    const stringToSign = buildV4StringToSign({
      method: 'GET', bucket: 'bench-bucket', object: 'key/images/1.jpg', endpoint: 'https://storage.googleapis.com', clientEmail: email, timestamp: new Date(), expiresSeconds: 3600,
    }).stringToSign;
    const rawSign = (): unknown => rsaSign('sha256', Buffer.from(stringToSign), keyObject);

    const [ours = 0, sdk = 0, raw = 0] = await bestOfInterleaved([presignKey, sdkSign, rawSign], 4, 500);
    rows.push(compare('presign GET, service-account key (resolver.presign)', '@google-cloud/storage getSignedUrl v4', ours, sdk, 3));
    rows.push(compare('presign GET, service-account key (resolver.presign)', 'crypto.sign with a cached KeyObject', ours, raw, 0.8));

    let impersonatedUrls = 0;
    const presignImp = (): Promise<unknown> => { impersonatedUrls++; return resolver.presign(`gs://bench-bucket/imp/images/${n++ % 1000}.jpg`, 3600); };
    await presignImp();
    fake.iam.reset();
    impersonatedUrls = 0;
    const directSignBlob = async (): Promise<unknown> => (await fetch(`${fake.iam.url}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:signBlob`, {
      method: 'POST', headers: { authorization: 'Bearer bench-platform-token', 'content-type': 'application/json' }, body: JSON.stringify({ payload: Buffer.from(stringToSign).toString('base64') }),
    })).json();
    const imp = await opsPerSecond(presignImp, 1_000, 10);
    const perUrl = fake.iam.count('signBlob') / impersonatedUrls;
    const tokenCalls = fake.iam.count('generateAccessToken');
    const direct = await opsPerSecond(directSignBlob, 1_000, 10);
    rows.push(compare('presign GET, impersonated (IAM signBlob, fake IAM on loopback)', 'one raw signBlob HTTP call', imp, direct, undefined,
      `signBlob calls per URL: ${perUrl.toFixed(2)} over ${impersonatedUrls} URLs; generateAccessToken calls: ${tokenCalls}`));

    const reusing = createAssetResolver({
      integrations: [{ id: 'bench-imp', provider: 'gcp', scope: { bucket: 'bench-bucket', prefix: 'imp' }, auth: { kind: 'impersonation', serviceAccount: email } }],
      platform: { gcp: { authClient: { getAccessToken: async () => ({ token: 'bench-platform-token' }) }, iamEndpoint: fake.iam.url } },
      presignReuse: { windowSeconds: 300 },
    });
    try {
      const page = Array.from({ length: 20 }, (_, i) => `gs://bench-bucket/imp/frames/${i}.jpg`);
      let repeats = 0;
      let reuseIamCalls = 0;
      const repeatedReuse = async (): Promise<unknown> => {
        repeats++;
        const before = fake.iam.calls.length;
        const url = await reusing.presign(page[n++ % page.length]!, 3600);
        reuseIamCalls += fake.iam.calls.length - before;
        return url;
      };
      const repeatedPlain = (): Promise<unknown> => resolver.presign(page[n++ % page.length]!, 3600);
      fake.iam.reset();
      const [reusedOps = 0, plainOps = 0] = await bestOfInterleaved([repeatedReuse, repeatedPlain], 3, 700, 10);
      rows.push(compare('presign GET, impersonated, one page of 20 assets asked repeatedly, reuse: { windowSeconds: 300 }', 'the same calls without reuse (one signBlob per URL)',
        reusedOps, plainOps, 20, `IAM calls of the reusing resolver: ${reuseIamCalls} over ${repeats} URLs (one signBlob per asset and 300 s window)`));
    } finally {
      await reusing.close();
    }
    return rows;
  } finally {
    await resolver.close();
    await fake.close();
  }
}
