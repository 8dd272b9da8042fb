import { describe, expect, it } from 'vitest';
import { accessBoundaryFor } from '../../src/auth/gcp-access-boundary.js';
import { buildSessionPolicy } from '../../src/auth/session-policy.js';
import { createAssetResolver, type ListOptions } from '../../src/index.js';
import type { ListPageRequest } from '../../src/resolvers/driver.js';
import { putMemoryObject } from '../../src/resolvers/memory-store.js';
import { awsPermissionStatements } from '../../src/setup/aws.js';
import { gcpPrefixCondition } from '../../src/setup/gcp.js';
import { evaluatePolicy, type PolicyDocument } from '../../src/testing/aws/iam-policy.js';
import { boundariesAllow } from '../../src/testing/gcp/access-boundary.js';
import { FakeGcpDirectory } from '../../src/testing/gcp/index.js';

/**
 * Every request the listing code makes must be allowed by the credentials assetlink mints (AWS
 * session policy, GCS access boundary) and by what the setup generators ask customers to grant —
 * and listings wider than the scope must be refused by both. The requests are the real ones: the
 * listing engine runs against the memory provider with its page requests recorded.
 */

const SCOPE = { bucket: 'media', prefix: 'images' };

async function requestsMadeBy(run: (resolver: ReturnType<typeof createAssetResolver>) => Promise<void>): Promise<ListPageRequest[]> {
  const resolver = createAssetResolver({ integrations: [{ id: 'p', provider: 'memory', scope: { bucket: 'perm-bucket', prefix: 'images' } }] });
  for (let i = 0; i < 2500; i++) putMemoryObject('perm-bucket', `images/${i % 7 === 0 ? `2024-0${i % 9}/` : ''}f${String(i).padStart(5, '0')}.jpg`, new Uint8Array(1));
  const driver = await resolver.driver('memory');
  const seen: ListPageRequest[] = [];
  const original = driver.listPage!.bind(driver);
  Object.assign(driver, { listPage: (target: never, request: ListPageRequest) => { seen.push(request); return original(target, request); } });
  try { await run(resolver); } finally { await resolver.close(); }
  return seen;
}

async function drain(resolver: ReturnType<typeof createAssetResolver>, uri: string, options: ListOptions = {}): Promise<void> {
  for await (const _ of resolver.list(uri, options)) { /* consume */ }
}

const awsAllows = (doc: PolicyDocument, prefix: string | undefined, delimiter?: string): boolean =>
  evaluatePolicy(doc, { action: 's3:ListBucket', resource: 'arn:aws:s3:::media', context: { 's3:prefix': prefix, ...(delimiter ? { 's3:delimiter': delimiter } : {}) } }) === 'allow';

describe('list permissions of minted credentials and setup grants', () => {
  const session = buildSessionPolicy({ ...SCOPE, mode: 'read-only' }) as unknown as PolicyDocument;
  const granted = { Version: '2012-10-17', Statement: awsPermissionStatements(SCOPE, 'read-only', 'aws') } as unknown as PolicyDocument;
  const directory = new FakeGcpDirectory();
  const boundary = accessBoundaryFor(SCOPE, 'read-only');
  const gcsAllows = (prefix: string): boolean => boundariesAllow([boundary], { bucket: 'media', permission: 'storage.objects.list', listPrefix: prefix }, directory);
  const condition = gcpPrefixCondition('p', SCOPE.bucket, SCOPE.prefix);
  // The customer's IAM condition (setup) evaluated like the boundary: the same CEL subset.
  const grantRule = { availableResource: '//storage.googleapis.com/projects/_/buckets/media', availablePermissions: ['inRole:roles/storage.objectViewer'], availabilityCondition: { title: condition.title, expression: condition.expression } };
  const grantAllows = (prefix: string): boolean => boundariesAllow([[grantRule]], { bucket: 'media', permission: 'storage.objects.list', listPrefix: prefix }, directory);

  it('every page request of recursive, folder, glob, ranged and split listings is allowed', async () => {
    const requests = await requestsMadeBy(async (resolver) => {
      await drain(resolver, 'memory://perm-bucket/images/', { pageSize: 300 });
      await drain(resolver, 'memory://perm-bucket/images', { recursive: false });
      await drain(resolver, 'memory://perm-bucket/images/', { match: '2024-0*/*.jpg' });
      await drain(resolver, 'memory://perm-bucket/images/', { match: /^f0001/ });
      await drain(resolver, 'memory://perm-bucket/images/2024-01/', { startAfter: 'images/2024-01/f00010.jpg' });
      for (const range of await resolver.splitListing('memory://perm-bucket/images/', 8)) await drain(resolver, 'memory://perm-bucket/images/', range);
    });
    const prefixes = new Set(requests.map((r) => r.prefix));
    expect(prefixes).toContain('images/');
    expect(prefixes).toContain('images/2024-0');
    expect(prefixes).toContain('images/f0001');
    expect([...prefixes].some((p) => p.startsWith('images/f') && p.length > 'images/f'.length)).toBe(true); // split sampling
    for (const request of requests) {
      const delimiter = request.delimiter ? '/' : undefined;
      expect(awsAllows(session, request.prefix, delimiter), `session policy, prefix ${request.prefix}`).toBe(true);
      expect(awsAllows(granted, request.prefix, delimiter), `setup grant, prefix ${request.prefix}`).toBe(true);
      expect(gcsAllows(request.prefix), `access boundary, prefix ${request.prefix}`).toBe(true);
      expect(grantAllows(request.prefix), `setup IAM condition, prefix ${request.prefix}`).toBe(true);
      expect(request.prefix.startsWith('images/')).toBe(true);
    }
  });

  it.each([[undefined], [''], ['images'], ['images2/'], ['images-old/'], ['imagesx'], ['other/images/']])('a listing with prefix %j is refused by both', (prefix) => {
    expect(awsAllows(session, prefix)).toBe(false);
    expect(awsAllows(granted, prefix)).toBe(false);
    expect(awsAllows(session, prefix, '/')).toBe(false);
    if (prefix !== undefined) expect(gcsAllows(prefix)).toBe(false);
    if (prefix !== undefined) expect(grantAllows(prefix)).toBe(false);
  });

  it('keeps wildcard characters of the scope literal in the list condition', () => {
    const star = buildSessionPolicy({ bucket: 'media', prefix: 'a*b', mode: 'read-only' }) as unknown as PolicyDocument;
    expect(awsAllows(star, 'a*b/')).toBe(true);
    expect(awsAllows(star, 'a*b/x/')).toBe(true);
    expect(awsAllows(star, 'aXb/')).toBe(false);
    expect(awsAllows(star, 'a*bc/')).toBe(false);
  });

  it('a whole-bucket scope may list the bucket root, with or without delimiter', () => {
    const whole = buildSessionPolicy({ bucket: 'media', mode: 'read-only' }) as unknown as PolicyDocument;
    expect(awsAllows(whole, undefined)).toBe(true);
    expect(awsAllows(whole, undefined, '/')).toBe(true);
    expect(awsAllows(whole, 'any/')).toBe(true);
  });
});
