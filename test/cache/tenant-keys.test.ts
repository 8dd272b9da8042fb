import { createHash } from 'node:crypto';
import { trace, type Span, type Tracer } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/cache/credential-cache.js';
import { RedisCredentialStore, type RedisLike } from '../../src/cache/redis-store.js';
import { tenantKeySpace, tenantOfCacheKey } from '../../src/cache/tenant-key.js';
import { createAssetResolver, type AssetLinkEvent } from '../../src/index.js';
import { RegisteredIntegration } from '../../src/integrations/registered.js';
import { validateIntegration } from '../../src/integrations/validate.js';
import { putMemoryObject } from '../../src/testing/index.js';

/** Credential cache keys, shared-store (Redis) keys, audit events and spans carry the tenant. */

/** The RedisLike subset, in memory: enough to see which keys the store writes. */
class MemoryRedis implements RedisLike {
  readonly data = new Map<string, string>();
  async get(key: string): Promise<string | null> { return this.data.get(key) ?? null; }
  async set(key: string, value: string, _px: 'PX', _ms: number, nx?: 'NX'): Promise<unknown> {
    if (nx && this.data.has(key)) return null;
    this.data.set(key, value);
    return 'OK';
  }
  async del(key: string): Promise<unknown> { return this.data.delete(key) ? 1 : 0; }
  async eval(_script: string, _keys: number, key: string, token: string): Promise<unknown> {
    if (this.data.get(key) === token) { this.data.delete(key); return 1; }
    return 0;
  }
  async quit(): Promise<unknown> { return 'OK'; }
}

const registered = (tenant?: string) => new RegisteredIntegration(validateIntegration({
  id: 'media', provider: 'memory', scope: { bucket: 'b' }, ...(tenant ? { tenant } : {}),
}));

describe('cache keys', () => {
  it('an integration’s cache prefix names its tenant; the tenant is read back from any of its keys', () => {
    expect(registered().cachePrefix).toBe('media|');
    expect(registered('acme').cachePrefix).toBe('t=acme|media|');
    expect(registered('acme').cacheNamespace.startsWith('t=acme|media|')).toBe(true);
    expect(registered('acme').cacheNamespace).not.toBe(registered('globex').cacheNamespace);
    expect(tenantOfCacheKey(`${registered('acme').cacheNamespace}|gcp|x`)).toBe('acme');
    expect(tenantOfCacheKey('media|abc|gcp')).toBeUndefined();
    expect(tenantOfCacheKey('platform|aws')).toBeUndefined();
  });

  it('the Redis store names a tenant’s keys under its own hashed namespace, and never the tenant in clear', async () => {
    const redis = new MemoryRedis();
    const store = new RedisCredentialStore(redis, { encryptionKey: Buffer.alloc(32, 3) }, false);
    const cache = new CredentialCache({ store });
    const expiresAt = Date.now() + 60_000;
    await cache.get('t=acme-corp|media|fp|aws|x', { integrationId: 'media', scope: 's' }, async () => ({ value: { k: 1 }, expiresAt }));
    await cache.get('t=globex|media2|fp|aws|x', { integrationId: 'media2', scope: 's' }, async () => ({ value: { k: 2 }, expiresAt }));
    await cache.get('shared|fp|aws|x', { integrationId: 'shared', scope: 's' }, async () => ({ value: { k: 3 }, expiresAt }));
    const keys = [...redis.data.keys()];
    const acme = tenantKeySpace('assetlink:', 'acme-corp');
    expect(acme).toBe(`assetlink:tenant:${createHash('sha256').update('acme-corp').digest('base64url').slice(0, 22)}:`);
    expect(keys.filter((k) => k.startsWith(`${acme}cred:`))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith(`${tenantKeySpace('assetlink:', 'globex')}cred:`))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith('assetlink:cred:'))).toHaveLength(1);
    expect(keys.join('\n')).not.toMatch(/acme|globex|media/);
    // A second process reads the tenant's entry back under the same name.
    const other = new CredentialCache({ store: new RedisCredentialStore(redis, { encryptionKey: Buffer.alloc(32, 3) }, false) });
    expect(await other.get('t=acme-corp|media|fp|aws|x', { integrationId: 'media', scope: 's' }, async () => { throw new Error('must come from the store'); })).toEqual({ k: 1 });
  });
});

describe('audit events and spans', () => {
  interface Rec { name: string; attributes: Record<string, unknown> }
  const recorded: Rec[] = [];
  const span = (rec: Rec): Span => ({
    setAttribute: () => span(rec), setAttributes: () => span(rec), setStatus: () => span(rec), end: () => undefined,
    isRecording: () => true, recordException: () => undefined, addEvent: () => span(rec), addLink: () => span(rec), addLinks: () => span(rec),
    updateName: () => span(rec), spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
  }) as unknown as Span;
  const tracer = {
    startSpan: (name: string, options?: { attributes?: Record<string, unknown> }) => { const rec = { name, attributes: { ...(options?.attributes ?? {}) } }; recorded.push(rec); return span(rec); },
  } as unknown as Tracer;
  afterAll(() => trace.disable());

  it('credential events name the tenant (parsed from the key) and the integration’s labels; asset spans carry assetlink.tenant', async () => {
    trace.setGlobalTracerProvider({ getTracer: () => tracer });
    const events: AssetLinkEvent[] = [];
    const cache = new CredentialCache({ emit: (e) => events.push(e) });
    await cache.get('t=acme|media|fp|x', { integrationId: 'media', scope: 's' }, async () => ({ value: 1, expiresAt: Date.now() + 60_000 }));
    expect(events[0]).toMatchObject({ type: 'credentials.minted', tenant: 'acme', integrationId: 'media' });
    expect(recorded.find((r) => r.name === 'assetlink.credentials')?.attributes).toMatchObject({ 'assetlink.tenant': 'acme' });

    putMemoryObject('tenant-spans', 'k.txt', new TextEncoder().encode('k'));
    const resolver = createAssetResolver({ integrations: [{ id: 'spans', tenant: 'acme', provider: 'memory', scope: { bucket: 'tenant-spans' }, labels: { tier: 'pro' } }] });
    await (await resolver.forTenant('acme').resolveAsset('memory://tenant-spans/k.txt')).head();
    expect(recorded.find((r) => r.name === 'assetlink.head')?.attributes).toMatchObject({ 'assetlink.tenant': 'acme', 'assetlink.integration_id': 'spans' });
  });
});
