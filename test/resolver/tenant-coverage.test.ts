import { describe, expect, it } from 'vitest';
import { AssetResolver, createAssetResolver, type Integration } from '../../src/index.js';
import { ROOT_ONLY_MEMBERS, TENANT_OPERATIONS, VIEW_OWN_MEMBERS } from '../../src/resolver/tenant.js';
import { putMemoryObject } from '../../src/testing/index.js';

/**
 * Every public member of AssetResolver is either offered by tenant views (TENANT_OPERATIONS) or
 * deliberately root-only (ROOT_ONLY_MEMBERS). An operation added to AssetResolver without a
 * decision fails here, so no future URI- or integration-taking operation can silently bypass
 * tenant isolation: add its name to TENANT_OPERATIONS in src/resolver/tenant.ts (one line).
 */

function publicMembers(): string[] {
  const names: string[] = [];
  for (const name of Object.getOwnPropertyNames(AssetResolver.prototype)) {
    if (name === 'constructor') continue;
    names.push(name);
  }
  return names.sort();
}

describe('tenant view coverage of AssetResolver', () => {
  it('every public member is either a tenant operation or explicitly root-only', () => {
    const decided = new Set<string>([...TENANT_OPERATIONS, ...ROOT_ONLY_MEMBERS, ...VIEW_OWN_MEMBERS]);
    const undecided = publicMembers().filter((name) => !decided.has(name));
    expect(undecided, `AssetResolver members with no tenant decision: add each to TENANT_OPERATIONS or ROOT_ONLY_MEMBERS in src/resolver/tenant.ts`).toEqual([]);
  });

  it('the two lists do not overlap and name only real members', () => {
    const members = new Set(publicMembers());
    for (const name of [...TENANT_OPERATIONS, ...ROOT_ONLY_MEMBERS, ...VIEW_OWN_MEMBERS]) expect(members.has(name), name).toBe(true);
    expect(TENANT_OPERATIONS.filter((n) => (ROOT_ONLY_MEMBERS as readonly string[]).includes(n))).toEqual([]);
  });

  it('a view offers exactly the tenant operations, each a function', () => {
    const view = createAssetResolver().forTenant('t1') as unknown as Record<string, unknown>;
    for (const name of TENANT_OPERATIONS) expect(typeof view[name], name).toBe('function');
    for (const name of ROOT_ONLY_MEMBERS) expect(view[name], name).toBeUndefined();
  });

  it('every tenant operation that takes a URI or an integration hides other tenants’ integrations', async () => {
    putMemoryObject('coverage', 'k/a.txt', new TextEncoder().encode('a'));
    const theirs: Integration = { id: 'theirs', tenant: 'other', provider: 'memory', scope: { bucket: 'coverage' } };
    const view = createAssetResolver({ integrations: [theirs] }).forTenant('mine') as unknown as Record<string, (...args: unknown[]) => unknown>;
    const uri = 'memory://coverage/k/a.txt';
    // How to call each operation naming the other tenant's integration, and by scope. An operation
    // added to TENANT_OPERATIONS must be added here too (the loop below fails otherwise).
    const calls: Record<string, { byId?: unknown[]; byScope?: unknown[] }> = {
      resolveAsset: { byId: [uri, 'theirs'], byScope: [uri] },
      presign: { byId: [uri, 60, { integration: 'theirs' }], byScope: [uri, 60] },
      match: { byId: [uri, 'theirs'], byScope: [uri] },
      verify: { byId: ['theirs'] },
      listIntegrations: {},
      list: { byId: ['memory://coverage/k/', { integration: 'theirs' }], byScope: ['memory://coverage/k/'] },
      splitListing: { byId: ['memory://coverage/k/', 2, { integration: 'theirs' }], byScope: ['memory://coverage/k/', 2] },
      vend: { byId: ['memory://coverage/k/', { ttlSeconds: 900, integration: 'theirs' }], byScope: ['memory://coverage/k/', { ttlSeconds: 900 }] },
      // Per-URI errors come back in place, not thrown.
      presignMany: { byId: [[uri], 60, { integration: 'theirs' }], byScope: [[uri], 60] },
    };
    for (const name of TENANT_OPERATIONS) {
      const how = calls[name];
      expect(how, `test/resolver/tenant-coverage.test.ts does not know how to call "${name}" through a view`).toBeDefined();
      for (const args of [how!.byId, how!.byScope]) {
        if (!args) continue;
        let code: string | undefined;
        try {
          const result = view[name]!(...args);
          // Async iterables (listings) fail on first pull.
          if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
            for await (const _ of result as AsyncIterable<unknown>) break;
          } else {
            const value = await result;
            if (Array.isArray(value) && value[0] instanceof Error) throw value[0];
          }
        } catch (error) {
          code = (error as { code?: string }).code;
        }
        expect(code, `${name}(${JSON.stringify(args)})`).toBe('NO_INTEGRATION');
      }
    }
    expect((view.listIntegrations!() as unknown[]).length).toBe(0);
  });
});
