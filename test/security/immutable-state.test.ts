import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, fetchPresigned, validateIntegration, type AssetResolver, type Integration, type PlatformOptions, type ResolvedAsset } from '../../src/index.js';
import { putMemoryObject, startFakeCloud, type FakeCloud } from '../../src/testing/index.js';
import { recordingLookup, startHttpsTestServer, type HttpsTestServer } from '../resolvers/https-fixture.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Issue 13 item 4: READ_ONLY and scope checks depend only on state the caller cannot change.
 * Every provider gets the same attack: a resolved asset of a read-only integration scoped to `in/`
 * is tampered with (mode, location, integrationId — by assignment and by defineProperty), then
 * asked to write, delete, presign a PUT and read. Nothing outside `in/` may be read and nothing may
 * be written. Siblings: the integration object a caller registered and then mutates, the internal
 * RegisteredIntegration, ad-hoc integration objects mutated between calls, match() results,
 * platform options mutated after construction, PresignedUrl objects, prototype pollution.
 */

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const KEEP = 'kept: inside the prefix';
const SECRET = 'SECRET: outside the prefix';

/** Every way a caller could try to change an asset's security state; each may throw (frozen) or be ignored. */
function tamper(asset: ResolvedAsset, secretKey: string, secretUri: string): void {
  const a = asset as unknown as Record<string, unknown> & { location: Record<string, unknown> };
  const attempts: Array<() => void> = [
    () => { a.mode = 'read-write'; },
    () => { Object.defineProperty(a, 'mode', { value: 'read-write' }); },
    () => { Object.setPrototypeOf(a, { mode: 'read-write' }); },
    () => { a.integrationId = 'someone-else'; },
    () => { a.location.key = secretKey; },
    () => { a.location.uri = secretUri; },
    () => { a.location.bucket = 'another-bucket'; },
    () => { Object.defineProperty(a.location, 'key', { value: secretKey }); },
    () => { Object.defineProperty(a.location, 'originalUrl', { value: secretUri }); },
    () => { a.location = { ...a.location, key: secretKey, uri: secretUri }; },
  ];
  for (const attempt of attempts) {
    try { attempt(); } catch { /* refused: that is the point */ }
  }
}

interface World {
  resolver: AssetResolver;
  /** Read-only integration covering `in/`. */
  readOnlyId: string;
  keepUri: string;
  secretUri: string;
  secretKey: string;
  /** The bytes stored under the secret/keep URIs, read bypassing assetlink. */
  backdoor(which: 'keep' | 'secret'): Promise<string | undefined>;
  fetch(url: string, init?: RequestInit): Promise<Response>;
  writable: boolean;
}

async function attack(w: World): Promise<void> {
  const asset = await w.resolver.resolveAsset(w.keepUri);
  expect(asset.mode).toBe('read-only');
  tamper(asset, w.secretKey, w.secretUri);
  // What the asset says about itself did not change either.
  expect(asset.mode).toBe('read-only');
  expect(asset.location.uri).toBe(w.keepUri.replace(/\?.*$/, ''));
  expect(asset.integrationId).toBe(w.readOnlyId);

  expect(await codeOf(asset.write('pwned'))).toBe('READ_ONLY');
  expect(await codeOf(asset.delete())).toBe('READ_ONLY');
  expect(await codeOf(asset.presign({ ttlSeconds: 60, method: 'PUT' }))).toBe('READ_ONLY');
  expect(decode(await asset.bytes())).toBe(KEEP);
  expect(decode(new Uint8Array(await new Response(await asset.read()).arrayBuffer()))).toBe(KEEP);
  expect((await asset.head()).size).toBe(KEEP.length);
  const url = await asset.presign({ ttlSeconds: 60 });
  expect(await (await w.fetch(url.url)).text()).toBe(KEEP);
  expect(await w.backdoor('keep')).toBe(KEEP);
  expect(await w.backdoor('secret')).toBe(SECRET);
}

/** The registered integration is a frozen copy: neither the caller's object nor resolver.integration() can widen it. */
async function attackRegistration(w: World, registered: Integration): Promise<void> {
  const original = structuredClone({ mode: registered.mode, scope: registered.scope });
  const r = registered as unknown as { mode: string; scope: Record<string, unknown> };
  r.mode = 'read-write';
  if ('prefix' in r.scope) r.scope.prefix = w.secretKey.split('/')[0];
  const internal = w.resolver.integration(w.readOnlyId).config as unknown as { mode: string; scope: Record<string, unknown> };
  try { internal.mode = 'read-write'; } catch { /* frozen */ }
  try { if ('prefix' in internal.scope) internal.scope.prefix = ''; } catch { /* frozen */ }
  try { (internal.scope as { bucket?: string }).bucket = 'elsewhere'; } catch { /* frozen */ }

  const asset = await w.resolver.resolveAsset(w.keepUri, w.readOnlyId);
  expect(asset.mode).toBe('read-only');
  expect(await codeOf(asset.write('pwned'))).toBe('READ_ONLY');
  if (w.secretUri !== w.keepUri && !w.secretUri.startsWith('https://assets.test')) {
    expect(await codeOf(w.resolver.resolveAsset(w.secretUri, w.readOnlyId))).toMatch(/OUT_OF_SCOPE|BLOCKED_HOST/);
  }
  expect(w.resolver.match(w.keepUri).integration.mode).toBe('read-only');
  expect(await w.backdoor('keep')).toBe(KEEP);
  Object.assign(r, { mode: original.mode, scope: original.scope });
}

function suite(name: string, setup: () => Promise<World & { registered: Integration; close(): Promise<void> }>): void {
  describe(`immutable security state: ${name}`, () => {
    let w: World & { registered: Integration; close(): Promise<void> };
    beforeAll(async () => { w = await setup(); }, 120_000);
    afterAll(async () => { await w?.close(); });

    it('a tampered asset still refuses writes and reads only its own object', async () => {
      await attack(w);
    });

    it('mutating the registered integration object or the internal copy changes nothing', async () => {
      await attackRegistration(w, w.registered);
    });
  });
}

// ------------------------------------------------------------------ memory

suite('memory', async () => {
  putMemoryObject('imm-state', 'in/keep.txt', new TextEncoder().encode(KEEP));
  putMemoryObject('imm-state', 'secret/x.txt', new TextEncoder().encode(SECRET));
  const registered: Integration = { id: 'mem-ro', provider: 'memory', scope: { bucket: 'imm-state', prefix: 'in' } };
  const resolver = createAssetResolver({ integrations: [registered] });
  const { memoryStore } = await import('../../src/testing/index.js');
  return {
    resolver, registered, readOnlyId: 'mem-ro', writable: true,
    keepUri: 'memory://imm-state/in/keep.txt', secretUri: 'memory://imm-state/secret/x.txt', secretKey: 'secret/x.txt',
    backdoor: async (which) => { const o = memoryStore('imm-state').get(which === 'keep' ? 'in/keep.txt' : 'secret/x.txt'); return o ? decode(o.data) : undefined; },
    fetch: fetchPresigned,
    close: () => resolver.close(),
  };
});

// ------------------------------------------------------------------ file

suite('file', async () => {
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-imm-')));
  await fs.mkdir(path.join(base, 'in'), { recursive: true });
  await fs.writeFile(path.join(base, 'in/keep.txt'), KEEP);
  await fs.writeFile(path.join(base, 'secret.txt'), SECRET);
  const registered: Integration = { id: 'file-ro', provider: 'file', scope: { root: path.join(base, 'in') } };
  const resolver = createAssetResolver({ integrations: [registered] });
  return {
    resolver, registered, readOnlyId: 'file-ro', writable: true,
    keepUri: `file://${base}/in/keep.txt`, secretUri: `file://${base}/secret.txt`, secretKey: `${base.slice(1)}/secret.txt`,
    backdoor: async (which) => fs.readFile(path.join(base, which === 'keep' ? 'in/keep.txt' : 'secret.txt'), 'utf8').catch(() => undefined),
    fetch: fetchPresigned,
    close: async () => { await resolver.close(); await fs.rm(base, { recursive: true, force: true }); },
  };
});

// ------------------------------------------------------------------ aws, gcp, azure (the shipped fakes)

let cloud: FakeCloud | undefined;
let cloudUsers = 0;
async function sharedCloud(): Promise<FakeCloud> {
  cloudUsers += 1;
  cloud ??= await startFakeCloud();
  return cloud;
}
async function releaseCloud(): Promise<void> {
  cloudUsers -= 1;
  if (cloudUsers === 0) { await cloud?.close(); cloud = undefined; }
}

for (const provider of ['aws', 'gcp', 'azure'] as const) {
  suite(provider, async () => {
    const c = await sharedCloud();
    const bucket = `imm-${provider}`;
    const registered = provider === 'aws' ? await c.awsIntegration({ bucket, prefix: 'in' })
      : provider === 'gcp' ? await c.gcpIntegration({ bucket, prefix: 'in' })
      : await c.azureIntegration({ bucket, prefix: 'in' });
    const base = provider === 'aws' ? `s3://${bucket}` : provider === 'gcp' ? `gs://${bucket}` : `https://devstoreaccount1.blob.core.windows.net/${bucket}`;
    await c.putObject(`${base}/in/keep.txt`, KEEP);
    await c.putObject(`${base}/secret/x.txt`, SECRET);
    const resolver = createAssetResolver({ platform: c.platform, integrations: [registered], requestTimeoutMs: 10_000 });
    return {
      resolver, registered, readOnlyId: registered.id, writable: true,
      keepUri: `${base}/in/keep.txt`, secretUri: `${base}/secret/x.txt`, secretKey: 'secret/x.txt',
      backdoor: async (which) => { const b = await c.getObject(`${base}/${which === 'keep' ? 'in/keep.txt' : 'secret/x.txt'}`); return b ? decode(b) : undefined; },
      fetch: c.fetch,
      close: async () => { await resolver.close(); await releaseCloud(); },
    };
  });
}

// ------------------------------------------------------------------ https

describe('immutable security state: https', () => {
  let server: HttpsTestServer;
  let resolver: AssetResolver;
  let platform: PlatformOptions;
  const lookup = recordingLookup();
  beforeAll(async () => {
    server = await startHttpsTestServer();
    server.put('/in/keep.txt', KEEP);
    server.put('/secret/x.txt', SECRET);
    platform = { https: { allowPorts: [server.port], allowPrivateHosts: ['assets.test'], lookup, ca: server.ca } };
    resolver = createAssetResolver({ platform, integrations: [{ id: 'web', provider: 'https', scope: { hosts: ['assets.test'] } }], requestTimeoutMs: 3_000 });
  });
  afterAll(async () => { await resolver?.close(); await server?.close(); });

  it('a tampered asset reads only the URL it was resolved for', async () => {
    const keepUri = `https://assets.test:${server.port}/in/keep.txt`;
    await attack({
      resolver, readOnlyId: 'web', keepUri, writable: false,
      secretUri: `https://loopback.assets.test:${server.port}/secret/x.txt`, secretKey: 'secret/x.txt',
      backdoor: async (which) => (which === 'keep' ? KEEP : SECRET),
      fetch: async () => new Response(KEEP),
    });
    expect(server.requests.every((r) => !r.url.includes('secret'))).toBe(true);
  });

  it('platform options mutated after createAssetResolver do not widen the SSRF guard', async () => {
    platform.https!.allowPrivateHosts!.push('loopback.assets.test');
    const asset = await resolver.resolveAsset(`https://assets.test:${server.port}/in/keep.txt`);
    expect(decode(await asset.bytes())).toBe(KEEP); // the driver is loaded now, after the mutation
    const other = createAssetResolver({ platform, integrations: [{ id: 'web2', provider: 'https', scope: { hosts: ['*.assets.test'] } }], requestTimeoutMs: 3_000 });
    try {
      // A fresh resolver sees the mutated options (its own construction), the first one never does.
      expect(await codeOf(resolver.resolveAsset(`https://loopback.assets.test:${server.port}/secret/x.txt`, { id: 'web3', provider: 'https', scope: { hosts: ['*.assets.test'] } }).then((a) => a.bytes()))).toBe('BLOCKED_HOST');
      expect(decode(await (await other.resolveAsset(`https://loopback.assets.test:${server.port}/secret/x.txt`)).bytes())).toBe(SECRET);
    } finally {
      await other.close();
      platform.https!.allowPrivateHosts!.pop();
    }
  });
});

// ------------------------------------------------------------------ siblings without a provider of their own

describe('immutable security state: siblings', () => {
  it('an ad-hoc integration object mutated between calls is re-read, never served from a stale copy', async () => {
    putMemoryObject('imm-adhoc', 'in/a.txt', new TextEncoder().encode('a'));
    putMemoryObject('imm-adhoc', 'secret/b.txt', new TextEncoder().encode('b'));
    const resolver = createAssetResolver();
    const adHoc = { id: 'adhoc', provider: 'memory', mode: 'read-write', scope: { bucket: 'imm-adhoc', prefix: 'in' } } as Integration & { mode: string; scope: { prefix: string } };
    const first = await resolver.resolveAsset('memory://imm-adhoc/in/a.txt', adHoc);
    expect(first.mode).toBe('read-write');
    // The caller narrows its own object: the next call must honour it.
    adHoc.mode = 'read-only';
    const second = await resolver.resolveAsset('memory://imm-adhoc/in/a.txt', adHoc);
    expect(second.mode).toBe('read-only');
    expect(await codeOf(second.write('x'))).toBe('READ_ONLY');
    adHoc.scope.prefix = 'elsewhere';
    expect(await codeOf(resolver.resolveAsset('memory://imm-adhoc/in/a.txt', adHoc))).toBe('OUT_OF_SCOPE');
    // Assets resolved before keep what they were resolved with.
    expect(first.mode).toBe('read-write');
    await resolver.close();
  });

  it('match() results and presigned URLs are the caller\'s own copies', async () => {
    putMemoryObject('imm-match', 'in/a.txt', new TextEncoder().encode('a'));
    const resolver = createAssetResolver({ integrations: [{ id: 'm', provider: 'memory', scope: { bucket: 'imm-match', prefix: 'in' } }, { id: 'w', provider: 'memory', mode: 'read-write', scope: { bucket: 'imm-match', prefix: 'out' } }] });
    const matched = resolver.match('memory://imm-match/in/a.txt');
    try { (matched.integration as { mode: string }).mode = 'read-write'; } catch { /* frozen */ }
    try { (matched.integration.scope as { prefix?: string }).prefix = ''; } catch { /* frozen */ }
    (matched.location as { key: string }).key = 'secret/b.txt';
    expect(resolver.match('memory://imm-match/in/a.txt').integration).toMatchObject({ mode: 'read-only', scope: { prefix: 'in' } });
    expect(resolver.listIntegrations()[0]).toMatchObject({ mode: 'read-only', scope: { prefix: 'in' } });

    const asset = await resolver.resolveAsset('memory://imm-match/out/b.txt');
    const one = await asset.presign({ ttlSeconds: 60, method: 'PUT', contentType: 'text/plain' });
    one.headers['content-type'] = 'text/html';
    one.expiresAt.setTime(0);
    const two = await asset.presign({ ttlSeconds: 60, method: 'PUT', contentType: 'text/plain' });
    expect(two.headers).toEqual({ 'content-type': 'text/plain' });
    expect(two.expiresAt.getTime()).toBeGreaterThan(Date.now());
    await resolver.close();
  });

  it('options objects read once: a getter that changes its answer cannot flip a check after it passed', async () => {
    putMemoryObject('imm-opts', 'in/a.txt', new TextEncoder().encode('a'));
    const resolver = createAssetResolver({ integrations: [{ id: 'ro', provider: 'memory', scope: { bucket: 'imm-opts', prefix: 'in' } }] });
    const asset = await resolver.resolveAsset('memory://imm-opts/in/a.txt');
    let reads = 0;
    const sneaky = { ttlSeconds: 60, get method() { reads += 1; return reads === 1 ? 'GET' : 'PUT'; } } as unknown as { ttlSeconds: number; method: 'GET' };
    const url = await asset.presign(sneaky);
    expect(url.method).toBe('GET');
    expect((await fetchPresigned(url.url, { method: 'PUT', body: 'x' })).status).toBe(403);
    await resolver.close();
  });

  it('integration JSON with __proto__ keys, and a polluted Object.prototype, cannot make an integration read-write', () => {
    const parsed = JSON.parse('{"id":"p","provider":"memory","scope":{"bucket":"b","__proto__":{"prefix":"x"}},"__proto__":{"mode":"read-write"}}') as Integration;
    const normalized = validateIntegration(parsed);
    expect(normalized.mode).toBe('read-only');
    expect(normalized.scope).toEqual({ bucket: 'b' });
    expect(({} as { mode?: string }).mode).toBeUndefined();

    const proto = Object.prototype as unknown as Record<string, unknown>;
    proto.mode = 'read-write';
    proto.prefix = '';
    try {
      const polluted = validateIntegration({ id: 'q', provider: 'memory', scope: { bucket: 'b', prefix: 'in' } });
      expect(polluted.mode).toBe('read-only');
      const resolver = createAssetResolver({ integrations: [{ id: 'q', provider: 'memory', scope: { bucket: 'b', prefix: 'in' } }] });
      expect(resolver.listIntegrations()[0]!.mode).toBe('read-only');
    } finally {
      delete proto.mode;
      delete proto.prefix;
    }
  });
});
