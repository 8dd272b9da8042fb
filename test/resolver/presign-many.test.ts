import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AssetLinkError, createAssetResolver, type AssetLinkEvent, type AssetResolver, type PresignedUrl,
} from '../../src/index.js';
import { putMemoryObject } from '../../src/testing/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/**
 * resolver.presignMany: URLs that work (fetched from the strict fake S3), per-URI errors in place,
 * one credential fetch per integration however many URIs, tenant isolation, abort, audit.
 */

const ACCOUNT = '222222222222';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/frames`;
const EXTERNAL_ID = 'presign-many-external-id-0123';

let fakes: AwsFakes;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

beforeAll(async () => {
  fakes = await startAwsFakes({ roles: [{ roleArn: ROLE, externalId: EXTERNAL_ID }], buckets: [{ name: 'seq', ownerAccountId: ACCOUNT }, { name: 'seq2', ownerAccountId: ACCOUNT }] });
  const auth = { kind: 'assume-role' as const, roleArn: ROLE, externalId: EXTERNAL_ID };
  resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    onEvent: (e) => events.push(e),
    integrations: [
      { id: 'frames', provider: 'aws', scope: { bucket: 'seq', prefix: 'frames' }, auth },
      { id: 'frames-deep', provider: 'aws', mode: 'read-write', scope: { bucket: 'seq', prefix: 'frames/deep' }, auth },
      { id: 'other', provider: 'aws', scope: { bucket: 'seq2' }, auth },
      { id: 'tenant-a', tenant: 'a', provider: 'memory', scope: { bucket: 'pm-tenant' } },
    ],
  });
  for (let i = 0; i < 5; i++) await fakes.s3.putObject('seq', `frames/${i}.jpg`, `frame ${i}`);
  await fakes.s3.putObject('seq', 'frames/deep/x.jpg', 'deep');
  await fakes.s3.putObject('seq2', 'y.jpg', 'other bucket');
  putMemoryObject('pm-tenant', 'k.txt', new TextEncoder().encode('t'));
});
afterAll(async () => { await resolver?.close(); await fakes?.close(); });

const ok = (r: PresignedUrl | AssetLinkError): PresignedUrl => {
  if (r instanceof AssetLinkError) throw r;
  return r;
};

describe('presignMany', () => {
  it('signs every URI of a sequence with one AssumeRole, URLs that S3 accepts, errors in place', async () => {
    fakes.sts.resetCalls();
    events.length = 0;
    const uris = [
      ...Array.from({ length: 5 }, (_, i) => `s3://seq/frames/${i}.jpg`),
      's3://seq/frames/deep/x.jpg',  // the more specific integration, as presign would pick
      's3://seq/images/1.jpg',       // no integration covers it
      'not a uri',                   // INVALID_URI
      's3://seq/frames/',            // a folder, not an object
      's3://seq2/y.jpg',
      ...Array.from({ length: 200 }, (_, i) => `s3://seq/frames/many/${i}.jpg`),
    ];
    const out = await resolver.presignMany(uris, 600);
    const countedEvents = [...events];
    expect(out).toHaveLength(uris.length);
    expect((out[6] as AssetLinkError).code).toBe('NO_INTEGRATION');
    expect((out[7] as AssetLinkError).code).toBe('INVALID_URI');
    // A folder is refused exactly as presign refuses it.
    const folder = await resolver.presign('s3://seq/frames/', 600).then(() => 'NO_ERROR', (e: AssetLinkError) => e.code);
    expect((out[8] as AssetLinkError).code).toBe(folder);
    expect(folder).not.toBe('NO_ERROR');
    for (const i of [0, 1, 2, 3, 4]) expect(await (await fetch(ok(out[i]!).url)).text()).toBe(`frame ${i}`);
    expect(await (await fetch(ok(out[5]!).url)).text()).toBe('deep');
    expect(await (await fetch(ok(out[9]!).url)).text()).toBe('other bucket');
    // Same answer as presign, URL for URL (same integration picked, same expiry).
    const single = await resolver.presign('s3://seq/frames/deep/x.jpg', 600);
    expect(new URL(single.url).pathname).toBe(new URL(ok(out[5]!).url).pathname);
    expect(ok(out[10]!).expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(600_000);
    // One AssumeRole per integration (three integrations had URIs), not one per URI.
    expect(fakes.sts.issuedCount).toBe(3);
    // Audit: a URL each, plus one batch summary.
    expect(countedEvents.filter((e) => e.type === 'presign.issued')).toHaveLength(uris.length - 3);
    expect(countedEvents.filter((e) => e.type === 'presign.batch')).toMatchObject([{ requested: uris.length, failed: 3, issued: uris.length - 3 }]);
  });

  it('PUT through a read-only integration is READ_ONLY for each of its URIs; the read-write one signs', async () => {
    const out = await resolver.presignMany(['s3://seq/frames/a.jpg', 's3://seq/frames/deep/b.jpg'], 600, { method: 'PUT', contentType: 'image/jpeg' });
    expect((out[0] as AssetLinkError).code).toBe('READ_ONLY');
    const put = ok(out[1]!);
    expect(put.headers).toEqual({ 'content-type': 'image/jpeg' });
    expect((await fetch(put.url, { method: 'PUT', body: 'up', headers: put.headers })).status).toBe(200);
  });

  it('a bad TTL is INVALID_TTL in place; an explicit integration is used for every URI', async () => {
    const bad = await resolver.presignMany(['s3://seq/frames/0.jpg'], 8 * 86_400);
    expect((bad[0] as AssetLinkError).code).toBe('INVALID_TTL');
    const named = await resolver.presignMany(['s3://seq/frames/deep/x.jpg', 's3://seq2/y.jpg'], 60, { integration: 'frames' });
    expect(await (await fetch(ok(named[0]!).url)).text()).toBe('deep');
    expect((named[1] as AssetLinkError).code).toBe('OUT_OF_SCOPE');
  });

  it('an aborted signal rejects the call with ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(resolver.presignMany(['s3://seq/frames/0.jpg'], 60, { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('tenant views see only their integrations', async () => {
    const [mine] = await resolver.forTenant('a').presignMany(['memory://pm-tenant/k.txt'], 60);
    expect(mine).not.toBeInstanceOf(AssetLinkError);
    const [theirs] = await resolver.forTenant('b').presignMany(['memory://pm-tenant/k.txt'], 60);
    expect((theirs as AssetLinkError).code).toBe('NO_INTEGRATION');
    const [root] = await resolver.presignMany(['memory://pm-tenant/k.txt'], 60);
    expect((root as AssetLinkError).code).toBe('NO_INTEGRATION');
  });

  it('no secret in the batch event or the errors', async () => {
    events.length = 0;
    const out = await resolver.presignMany(['s3://seq/frames/0.jpg', 's3://nope/x'], 60);
    const sig = new URL(ok(out[0]!).url).searchParams.get('X-Amz-Signature')!;
    expect(JSON.stringify(events)).not.toContain(sig);
    expect(JSON.stringify(out[1])).not.toContain(sig);
  });
});
