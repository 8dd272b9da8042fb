import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, generateSetup, type AssetResolver, type Integration } from '../../src/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';
import { parseCondition } from '../../src/testing/gcp/access-boundary.js';

/**
 * GCP cross-project: the customer grants the platform's own service account on the bucket; every
 * platform token is narrowed by a Credential Access Boundary to the integration's bucket, prefix
 * and mode before use, and a write outside the prefix is refused by (fake) GCS itself.
 */

const PLATFORM = 'platform@platform-project.iam.gserviceaccount.com';
const PLATFORM_TOKEN = 'platform-token-cross-project-7c1';
const BUCKET = 'scale-customer-bucket';
const OTHER = 'other-customer-bucket';

let fake: FakeGcp;
let resolver: AssetResolver;
let issuedBy: string[];
let readToken: string;

const reader: Integration = { id: 'scale-ro', provider: 'gcp', scope: { bucket: BUCKET, prefix: 'images' }, auth: { kind: 'cross-project' } };
const writer: Integration = { id: 'scale-rw', provider: 'gcp', mode: 'read-write', scope: { bucket: BUCKET, prefix: 'results' }, auth: { kind: 'cross-project' } };

async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(AssetLinkError); return error as AssetLinkError; }
  throw new Error('expected a failure');
}

async function uploadWith(token: string, bucket: string, name: string): Promise<number> {
  const response = await fetch(`${fake.gcs.url}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'x',
  });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  fake = await startFakeGcp();
  fake.directory.registerToken(PLATFORM_TOKEN, { principal: PLATFORM });
  // The customer's grant: the platform SA may do everything an object admin may on the whole bucket
  // (wider than either integration), and another customer granted it their bucket too.
  fake.gcs.createBucket(BUCKET, { iam: { [PLATFORM]: 'roles/storage.objectAdmin' } });
  fake.gcs.createBucket(OTHER, { iam: { [PLATFORM]: 'roles/storage.objectAdmin' } });
  fake.gcs.putObject(BUCKET, 'images/a.jpg', 'jpeg-bytes');
  fake.gcs.putObject(BUCKET, 'secret/b.txt', 'not for this integration');
  fake.gcs.putObject(OTHER, 'x.txt', 'another customer');
  issuedBy = [];
  resolver = createAssetResolver({
    integrations: [reader, writer],
    platform: { gcp: { authClient: { getAccessToken: async () => { issuedBy.push('platform'); return { token: PLATFORM_TOKEN }; } }, ...fake.endpoints, maxRetries: 0 } },
  });
});
afterAll(async () => {
  await resolver?.close();
  await fake?.close();
});
beforeEach(() => { fake.sts.reset(); fake.gcs.requests.length = 0; });

describe('cross-project reads and writes', () => {
  it('reads with a token STS narrowed to bucket, prefix and object viewer; the platform token never reaches GCS', async () => {
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/images/a.jpg`);
    expect(new TextDecoder().decode(await asset.bytes())).toBe('jpeg-bytes');
    expect(fake.sts.calls).toHaveLength(1);
    const call = fake.sts.calls[0]!;
    expect(call.subjectPrincipal).toBe(PLATFORM);
    expect(call.rules).toEqual([{
      availableResource: `//storage.googleapis.com/projects/_/buckets/${BUCKET}`,
      availablePermissions: ['inRole:roles/storage.objectViewer'],
      availabilityCondition: {
        title: `assetlink: ${BUCKET}/images/`,
        expression: `resource.name.startsWith('projects/_/buckets/${BUCKET}/objects/images/') || api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('images/')`,
      },
    }]);
    // Every GCS request carried the downscoped token, never the platform's own.
    readToken = call.issuedToken!;
    expect(fake.directory.inspectToken(readToken)?.boundaries).toHaveLength(1);
    expect(fake.gcs.requests.length).toBeGreaterThan(0);
    expect(fake.gcs.requests.every((r) => r.principal === PLATFORM && r.boundaries === 1)).toBe(true);
  });

  it('the narrowed token is refused by GCS outside the prefix, in another bucket, and for writes (read-only)', async () => {
    const token = readToken;
    const read = async (bucket: string, name: string) => (await fetch(`${fake.gcs.url}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await read(BUCKET, 'images/a.jpg')).toBe(200);
    expect(await read(BUCKET, 'secret/b.txt')).toBe(403);
    expect(await read(OTHER, 'x.txt')).toBe(403);
    expect(await uploadWith(token, BUCKET, 'images/new.jpg')).toBe(403);
    // The platform's own token could do all of that: the boundary is what stops it.
    expect(await uploadWith(PLATFORM_TOKEN, OTHER, 'proof.txt')).toBe(200);
  });

  it('read-write: writes under the prefix; the token GCS gets cannot write outside it', async () => {
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/results/out.json`);
    await asset.write('{"ok":true}', { contentType: 'application/json' });
    expect(fake.gcs.getObject(BUCKET, 'results/out.json')?.data.toString()).toBe('{"ok":true}');
    const call = fake.sts.calls.at(-1)!;
    expect(call.rules?.[0]?.availablePermissions).toEqual(['inRole:roles/storage.objectAdmin']);
    expect(await uploadWith(call.issuedToken!, BUCKET, 'outside/evil.txt')).toBe(403);
    expect(await uploadWith(call.issuedToken!, BUCKET, 'results-old/evil.txt')).toBe(403);
    expect(fake.gcs.getObject(BUCKET, 'outside/evil.txt')).toBeUndefined();
    expect(fake.gcs.requests.every((r) => r.boundaries === undefined || r.boundaries === 1)).toBe(true);
    expect((await failure(resolver.resolveAsset(`gs://${BUCKET}/secret/b.txt`, 'scale-rw'))).code).toBe('OUT_OF_SCOPE');
  });

  it('STS failing fails the operation: the wide token is never used instead', async () => {
    const fresh = createAssetResolver({
      integrations: [reader],
      platform: { gcp: { authClient: { getAccessToken: async () => ({ token: PLATFORM_TOKEN }) }, ...fake.endpoints, maxRetries: 0 } },
      cache: {},
    });
    fake.sts.injectFault({ status: 403 });
    try {
      const error = await failure((await fresh.resolveAsset(`gs://${BUCKET}/images/a.jpg`)).head());
      expect(error.code).toBe('ACCESS_DENIED');
      expect(fake.gcs.requests).toHaveLength(0);
    } finally {
      await fresh.close();
    }
  });

  it('the boundary is applied even when platform.gcp.credentialAccessBoundary is false', async () => {
    const fresh = createAssetResolver({
      integrations: [reader],
      platform: { gcp: { authClient: { getAccessToken: async () => ({ token: PLATFORM_TOKEN }) }, ...fake.endpoints, maxRetries: 0, credentialAccessBoundary: false } },
    });
    try {
      await (await fresh.resolveAsset(`gs://${BUCKET}/images/a.jpg`)).head();
      expect(fake.sts.calls).toHaveLength(1);
      expect(fake.gcs.requests.length).toBeGreaterThan(0);
      expect(fake.gcs.requests.every((r) => r.principal === PLATFORM && r.boundaries === 1)).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('presign is refused with PRESIGN_UNSUPPORTED, before any signing call', async () => {
    const iamBefore = fake.iam.calls.length;
    const error = await failure(resolver.presign(`gs://${BUCKET}/images/a.jpg`, 60));
    expect(error.code).toBe('PRESIGN_UNSUPPORTED');
    expect(error.integrationId).toBe('scale-ro');
    expect(fake.iam.calls.length).toBe(iamBefore);
  });

  it('verify reports the boundary', async () => {
    const report = await resolver.verify('scale-ro');
    expect(JSON.stringify(report)).toContain('cross-project');
    expect(JSON.stringify(report)).toContain('access boundary');
  });
});

describe('cross-project validation and setup', () => {
  it('a wildcard bucket is refused (the platform identity reaches every customer)', () => {
    const r = createAssetResolver();
    let error: unknown;
    try { r.addIntegration({ id: 'wild', provider: 'gcp', tenant: 't', scope: { bucket: '*' }, auth: { kind: 'cross-project' } }); } catch (e) { error = e; }
    expect((error as AssetLinkError).code).toBe('INVALID_INTEGRATION');
    expect((error as { field: string }).field).toBe('scope.bucket');
    expect((error as AssetLinkError).integrationId).toBe('wild');
  });

  it('setup grants the platform service account the bucket role with the prefix condition', () => {
    const plan = generateSetup(writer, { platform: { gcp: { serviceAccount: PLATFORM } } });
    const step = plan.steps.find((s) => s.id === 'gcp.bucket-role')!;
    expect(step.text).toContain('gcloud storage buckets add-iam-policy-binding');
    expect(step.text).toContain(`gs://${BUCKET}`);
    expect(step.text).toContain(`--member=serviceAccount:${PLATFORM}`);
    expect(step.text).toContain('--role=roles/storage.objectUser');
    expect(step.text).toContain('--condition-from-file');
    const binding = step.document as { condition: { expression: string } };
    // The condition admits exactly the prefix (segment-aware), as the fake evaluates it.
    const terms = parseCondition(binding.condition.expression);
    expect(terms).toEqual([
      { kind: 'resource-name', prefix: `projects/_/buckets/${BUCKET}/objects/results/` },
      { kind: 'list-prefix', prefix: 'results/' },
    ]);
    expect(step.text).toContain('resource.name.startsWith');
    expect(() => generateSetup(writer, {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
