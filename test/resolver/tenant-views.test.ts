import { describe, expect, it } from 'vitest';
import {
  AssetLinkError, createAssetResolver, IntegrationDisabledError, TenantRequiredError, type AssetLinkEvent, type Integration,
} from '../../src/index.js';
import { putMemoryObject } from '../../src/testing/index.js';

/**
 * Tenant views over the memory provider (no network): what each view sees, what it refuses and
 * how, and that another tenant's integration is indistinguishable from one that does not exist.
 */

const BUCKET = 'tenancy';
putMemoryObject(BUCKET, 'shared/a.txt', new TextEncoder().encode('a'));
putMemoryObject(BUCKET, 'other/b.txt', new TextEncoder().encode('b'));

const acme: Integration = { id: 'acme-media', tenant: 'acme', provider: 'memory', scope: { bucket: BUCKET, prefix: 'shared' }, labels: { plan: 'gold' } };
const globex: Integration = { id: 'globex-media', tenant: 'globex', provider: 'memory', scope: { bucket: BUCKET, prefix: 'shared' } };
const untenanted: Integration = { id: 'platform-other', provider: 'memory', scope: { bucket: BUCKET, prefix: 'other' } };

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<AssetLinkError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(AssetLinkError);
    return error as AssetLinkError;
  }
  throw new Error('expected an AssetLinkError');
}

describe('tenant views', () => {
  it('each view matches its own tenant’s integration for the same bucket and prefix', async () => {
    const resolver = createAssetResolver({ integrations: [acme, globex, untenanted] });
    expect((await resolver.forTenant('acme').resolveAsset(`memory://${BUCKET}/shared/a.txt`)).integrationId).toBe('acme-media');
    expect((await resolver.forTenant('globex').resolveAsset(`memory://${BUCKET}/shared/a.txt`)).integrationId).toBe('globex-media');
    expect(resolver.forTenant('acme').match(`memory://${BUCKET}/shared/a.txt`).integration).toMatchObject({ id: 'acme-media', tenant: 'acme', labels: { plan: 'gold' } });
    expect((await resolver.forTenant('globex').presign(`memory://${BUCKET}/shared/a.txt`, 60)).url).toContain('shared/a.txt');
  });

  it('views list only their tenant’s integrations; the root lists all', () => {
    const resolver = createAssetResolver({ integrations: [acme, globex, untenanted] });
    expect(resolver.forTenant('acme').listIntegrations().map((i) => i.id)).toEqual(['acme-media']);
    expect(resolver.forTenant('globex').listIntegrations().map((i) => i.id)).toEqual(['globex-media']);
    expect(resolver.forTenant('nobody').listIntegrations()).toEqual([]);
    expect(resolver.listIntegrations().map((i) => i.id)).toEqual(['acme-media', 'globex-media', 'platform-other']);
  });

  it('another tenant’s integration, named by id, fails exactly like one that does not exist', async () => {
    const resolver = createAssetResolver({ integrations: [acme, globex] });
    const view = resolver.forTenant('globex');
    const uri = `memory://${BUCKET}/shared/a.txt`;
    for (const op of [
      (id: string) => view.resolveAsset(uri, id),
      (id: string) => view.presign(uri, 60, { integration: id }),
      (id: string) => Promise.resolve().then(() => view.match(uri, id)),
      (id: string) => view.verify(id),
    ]) {
      const other = await failure(op('acme-media'));
      const missing = await failure(op('acme-mediX'));
      expect(other.code).toBe('NO_INTEGRATION');
      expect(missing.code).toBe('NO_INTEGRATION');
      // Same message shape: only the id differs.
      expect(other.message.replace('acme-media', 'ID')).toBe(missing.message.replace('acme-mediX', 'ID'));
      expect(JSON.stringify(other).replace(/acme-media/g, 'ID')).toBe(JSON.stringify(missing).replace(/acme-mediX/g, 'ID'));
      expect(other.message).not.toMatch(/acme"|tenant "acme|out of scope/i);
    }
    // Matching by scope never reaches across tenants, even where only the other tenant covers the key.
    const otherOnly = createAssetResolver({ integrations: [acme] }).forTenant('globex');
    const err = await failure(otherOnly.resolveAsset(uri));
    expect(err.code).toBe('NO_INTEGRATION');
    expect(err.message).not.toContain('acme');
  });

  it('an ad-hoc integration through a view belongs to the view’s tenant; one of another tenant is refused', async () => {
    const resolver = createAssetResolver({ integrations: [acme] });
    const view = resolver.forTenant('globex');
    const adHoc: Integration = { id: 'adhoc', provider: 'memory', scope: { bucket: BUCKET, prefix: 'shared' } };
    const events: AssetLinkEvent[] = [];
    const listening = createAssetResolver({ integrations: [acme], onEvent: (e) => events.push(e) }).forTenant('globex');
    await (await listening.resolveAsset(`memory://${BUCKET}/shared/a.txt`, adHoc)).bytes();
    expect(events.find((e) => e.type === 'asset.read')).toMatchObject({ tenant: 'globex', integrationId: 'adhoc' });
    const refused = await failure(view.resolveAsset(`memory://${BUCKET}/shared/a.txt`, { ...adHoc, tenant: 'acme' }));
    expect(refused).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'tenant' });
    // Reusing another tenant's id ad hoc reveals nothing: it is just an ad-hoc integration of this tenant.
    const sameId = await view.resolveAsset(`memory://${BUCKET}/shared/a.txt`, { ...adHoc, id: 'acme-media' });
    expect(sameId.integrationId).toBe('acme-media');
    // At the root, the registered id with another configuration is still refused.
    expect(await failure(resolver.resolveAsset(`memory://${BUCKET}/shared/a.txt`, { ...adHoc, id: 'acme-media' }))).toMatchObject({ code: 'INVALID_INTEGRATION', field: 'id' });
  });

  it('root calls never match a tenant-bound integration by scope, and say to use forTenant', async () => {
    const resolver = createAssetResolver({ integrations: [acme, untenanted] });
    const err = await failure(resolver.resolveAsset(`memory://${BUCKET}/shared/a.txt`));
    expect(err).toBeInstanceOf(TenantRequiredError);
    expect(err.code).toBe('NO_INTEGRATION');
    expect(err.message).toContain('forTenant');
    // Integrations without a tenant still match at the root, and explicit ids still work.
    expect((await resolver.resolveAsset(`memory://${BUCKET}/other/b.txt`)).integrationId).toBe('platform-other');
    expect((await resolver.resolveAsset(`memory://${BUCKET}/shared/a.txt`, 'acme-media')).integrationId).toBe('acme-media');
    // A view sees no integration without a tenant.
    expect((await failure(resolver.forTenant('acme').resolveAsset(`memory://${BUCKET}/other/b.txt`))).code).toBe('NO_INTEGRATION');
  });

  it('requireTenant: root calls that would match by scope fail with a typed error naming forTenant', async () => {
    const resolver = createAssetResolver({ requireTenant: true, integrations: [acme, untenanted] });
    for (const call of [
      () => resolver.resolveAsset(`memory://${BUCKET}/other/b.txt`),
      () => resolver.presign(`memory://${BUCKET}/other/b.txt`, 60),
      () => resolver.match(`memory://${BUCKET}/shared/a.txt`),
    ]) {
      const err = await failure(call);
      expect(err).toBeInstanceOf(TenantRequiredError);
      expect(err.code).toBe('NO_INTEGRATION');
      expect(err.message).toMatch(/requireTenant.*forTenant/);
    }
    // Views work; so does naming an integration explicitly at the root.
    expect((await resolver.forTenant('acme').resolveAsset(`memory://${BUCKET}/shared/a.txt`)).integrationId).toBe('acme-media');
    expect((await resolver.resolveAsset(`memory://${BUCKET}/other/b.txt`, 'platform-other')).integrationId).toBe('platform-other');
  });

  it('forTenant validates the tenant and is only offered by the root', () => {
    const resolver = createAssetResolver({ integrations: [acme] });
    expect(() => resolver.forTenant('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resolver.forTenant('a|b')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const view = resolver.forTenant('acme') as unknown as Record<string, unknown>;
    for (const rootOnly of ['addIntegration', 'removeIntegration', 'updateIntegration', 'forTenant', 'close', 'driver', 'integration']) {
      expect(view[rootOnly], rootOnly).toBeUndefined();
    }
    expect(JSON.stringify(view)).toBe(JSON.stringify({ tenant: 'acme', integrations: resolver.listIntegrations() }));
  });

  it('views see integrations added, updated and removed on the root after they were created', async () => {
    const resolver = createAssetResolver();
    const view = resolver.forTenant('acme');
    expect(view.listIntegrations()).toEqual([]);
    resolver.addIntegration(acme);
    expect((await view.resolveAsset(`memory://${BUCKET}/shared/a.txt`)).integrationId).toBe('acme-media');
    resolver.updateIntegration({ ...acme, tenant: 'globex' });
    expect((await failure(view.resolveAsset(`memory://${BUCKET}/shared/a.txt`))).code).toBe('NO_INTEGRATION');
    expect((await resolver.forTenant('globex').resolveAsset(`memory://${BUCKET}/shared/a.txt`)).integrationId).toBe('acme-media');
    resolver.removeIntegration('acme-media');
    expect(resolver.forTenant('globex').listIntegrations()).toEqual([]);
  });

  it('audit events from a view carry the tenant and the integration’s labels; refusals carry the view’s tenant', async () => {
    const events: AssetLinkEvent[] = [];
    const resolver = createAssetResolver({ integrations: [acme, globex], onEvent: (e) => events.push(e) });
    const view = resolver.forTenant('acme');
    const asset = await view.resolveAsset(`memory://${BUCKET}/shared/a.txt`);
    await asset.bytes();
    await asset.presign({ ttlSeconds: 60 });
    await asset.write('x').catch(() => undefined);
    await failure(view.resolveAsset(`memory://${BUCKET}/nowhere/x`));
    await failure(view.resolveAsset(`memory://${BUCKET}/shared/a.txt`, 'globex-media'));
    expect(events.map((e) => [e.type, e.tenant, e.labels?.plan])).toEqual([
      ['asset.read', 'acme', 'gold'],
      ['presign.issued', 'acme', 'gold'],
      ['write.refused', 'acme', 'gold'],
      ['scope.refused', 'acme', undefined],
      ['scope.refused', 'acme', undefined],
    ]);
  });
});

describe('disabled integrations', () => {
  it('fail every operation with INTEGRATION_DISABLED, stay listed, and are never replaced by another match', async () => {
    const broad: Integration = { id: 'broad', tenant: 'acme', provider: 'memory', scope: { bucket: BUCKET } };
    const resolver = createAssetResolver({ integrations: [{ ...acme, disabled: true }, broad] });
    const view = resolver.forTenant('acme');
    const uri = `memory://${BUCKET}/shared/a.txt`;
    for (const call of [
      () => view.resolveAsset(uri),
      () => view.presign(uri, 60),
      () => view.match(uri),
      () => view.resolveAsset(uri, 'acme-media'),
      () => view.verify('acme-media'),
      () => resolver.resolveAsset(uri, 'acme-media'),
    ]) {
      const err = await failure(call);
      expect(err).toBeInstanceOf(IntegrationDisabledError);
      expect(err).toMatchObject({ code: 'INTEGRATION_DISABLED', integrationId: 'acme-media' });
    }
    expect(view.listIntegrations().find((i) => i.id === 'acme-media')).toMatchObject({ disabled: true, labels: { plan: 'gold' } });
    // Other keys of the bucket still go to the enabled integration.
    expect((await view.resolveAsset(`memory://${BUCKET}/other/b.txt`)).integrationId).toBe('broad');
    // An ad-hoc disabled integration is refused too.
    expect((await failure(view.resolveAsset(uri, { ...broad, id: 'adhoc-off', disabled: true }))).code).toBe('INTEGRATION_DISABLED');
  });

  it('disabling applies to assets resolved before, and enabling again restores them', async () => {
    const resolver = createAssetResolver({ integrations: [acme] });
    const asset = await resolver.forTenant('acme').resolveAsset(`memory://${BUCKET}/shared/a.txt`);
    resolver.updateIntegration({ ...acme, disabled: true });
    expect((await failure(asset.bytes())).code).toBe('INTEGRATION_DISABLED');
    expect((await failure(asset.presign({ ttlSeconds: 60 }))).code).toBe('INTEGRATION_DISABLED');
    resolver.updateIntegration({ ...acme, disabled: false });
    expect(new TextDecoder().decode(await asset.bytes())).toBe('a');
    resolver.removeIntegration('acme-media');
    expect((await failure(asset.bytes())).code).toBe('NO_INTEGRATION');
  });

  it('an update to read-only applies to assets resolved while it was read-write', async () => {
    const rw: Integration = { ...acme, mode: 'read-write' };
    const resolver = createAssetResolver({ integrations: [rw] });
    const asset = await resolver.forTenant('acme').resolveAsset(`memory://${BUCKET}/shared/new.txt`);
    await asset.write('one');
    resolver.updateIntegration({ ...rw, mode: 'read-only' });
    expect((await failure(asset.write('two'))).code).toBe('READ_ONLY');
    expect((await failure(asset.presign({ ttlSeconds: 60, method: 'PUT' }))).code).toBe('READ_ONLY');
    expect(new TextDecoder().decode(await asset.bytes())).toBe('one');
  });
});

describe('updateIntegration', () => {
  it('replaces by id after validation; an unknown id or an invalid integration changes nothing', () => {
    const resolver = createAssetResolver({ integrations: [acme] });
    expect(resolver.updateIntegration({ ...acme, labels: { plan: 'silver' } })).toMatchObject({ id: 'acme-media', labels: { plan: 'silver' } });
    expect(() => resolver.updateIntegration({ ...acme, id: 'unknown' })).toThrow(expect.objectContaining({ code: 'NO_INTEGRATION' }));
    expect(() => resolver.updateIntegration({ ...acme, scope: { bucket: 'NOT VALID' } } as Integration)).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field: 'scope.bucket' }));
    expect(resolver.listIntegrations()).toEqual([expect.objectContaining({ id: 'acme-media', labels: { plan: 'silver' } })]);
  });

  it('validates tenant, disabled and labels', () => {
    const resolver = createAssetResolver();
    for (const [patch, field] of [
      [{ tenant: '' }, 'tenant'], [{ tenant: 'a|b' }, 'tenant'], [{ tenant: 7 }, 'tenant'],
      [{ disabled: 'yes' }, 'disabled'], [{ labels: ['x'] }, 'labels'], [{ labels: { ok: 1 } }, 'labels.ok'], [{ labels: { 'bad key': 'x' } }, 'labels.bad key'],
    ] as const) {
      expect(() => resolver.addIntegration({ ...acme, ...patch } as unknown as Integration)).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field }));
    }
  });
});
