import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type AssetLinkEvent, type AssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/** Secrets (canary strings) must never surface in errors, events, JSON or util.inspect output. */

const CANARY_KEY_ID = 'AKIACANARY7777777777';
const CANARY_SECRET = 'canary-secret-Zx9Qw8Er7Ty6';
const CANARY_TOKEN = 'canary-session-token-Pl0Ok9Ij8';
const CANARY_EXTERNAL_ID = 'canary-external-id-Mn5Bv4Cx3';
const ROLE_ARN = 'arn:aws:iam::222222222222:role/canary';

let fakes: AwsFakes;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];
const seen: string[] = [];

function record(value: unknown): void {
  seen.push(JSON.stringify(value) ?? '', inspect(value, { depth: 10, showHidden: true, getters: true }), String(value));
  if (value instanceof Error) seen.push(value.message, value.stack ?? '', inspect(value.cause, { depth: 10 }));
}

async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) {
    expect(error).toBeInstanceOf(AssetLinkError);
    record(error);
    return error as AssetLinkError;
  }
  throw new Error('expected failure');
}

beforeAll(async () => {
  fakes = await startAwsFakes({ roles: [{ roleArn: ROLE_ARN, externalId: 'the-real-external-id-123' }], buckets: [{ name: 'canary-bucket', ownerAccountId: '222222222222' }] });
  await fakes.s3.putObject('canary-bucket', 'k.txt', 'v');
  resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    onEvent: (e) => events.push(e),
    integrations: [
      { id: 'canary-keys', provider: 'aws', mode: 'read-write', scope: { bucket: 'canary-bucket', prefix: 'keys', region: 'us-east-1' }, auth: { kind: 'access-key', accessKeyId: CANARY_KEY_ID, secretAccessKey: CANARY_SECRET, sessionToken: CANARY_TOKEN } },
      { id: 'canary-role', provider: 'aws', scope: { bucket: 'canary-bucket', prefix: 'role', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: CANARY_EXTERNAL_ID } },
    ],
  });
});
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

describe('aws secrets stay secret', () => {
  it('never appear in errors from rejected static keys', async () => {
    const asset = await resolver.resolveAsset('s3://canary-bucket/keys/a.txt');
    record(asset);
    expect((await failure(asset.head())).code).toBe('ACCESS_DENIED');
    expect((await failure(asset.bytes())).code).toBe('ACCESS_DENIED');
    expect((await failure(asset.write('x'))).code).toBe('ACCESS_DENIED');
    expect((await failure(asset.delete())).code).toBe('ACCESS_DENIED');
    expect((await failure(asset.presign({ ttlSeconds: 0 }))).code).toBe('INVALID_TTL');
    await failure(resolver.resolveAsset('s3://canary-bucket/elsewhere/a.txt', 'canary-keys'));
  });

  it('never appear in errors from a refused AssumeRole (ExternalId included)', async () => {
    const asset = await resolver.resolveAsset('s3://canary-bucket/role/k.txt');
    const error = await failure(asset.head());
    expect(error.code).toBe('ACCESS_DENIED');
    await failure(asset.presign({ ttlSeconds: 60 }));
  });

  it('never appear in the resolver, match results, summaries or events', () => {
    record(resolver);
    record(resolver.listIntegrations());
    record(resolver.match('s3://canary-bucket/keys/a.txt'));
    record(resolver.integration('canary-keys'));
    record(events);
    expect(events.length).toBeGreaterThan(0);
  });

  it('a presigned URL carries no secret key (the key id and token are part of SigV4 URLs by design)', async () => {
    const url = await resolver.presign('s3://canary-bucket/keys/a.txt', 60);
    expect(url.url).not.toContain(CANARY_SECRET);
    expect(url.url).toContain(CANARY_KEY_ID);
    record(events);
  });

  it('checked every recorded string', () => {
    const all = seen.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const canary of [CANARY_SECRET, CANARY_TOKEN, CANARY_EXTERNAL_ID]) expect(all).not.toContain(canary);
    // The access key id is not a secret in AWS's model, but assetlink does not print it either.
    expect(all).not.toContain(CANARY_KEY_ID);
  });
});
