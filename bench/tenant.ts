import { createAssetResolver, type AssetResolver, type Integration, type TenantResolver } from '../src/index.js';
import { putMemoryObject } from '../src/testing/index.js';
import { bestOfInterleaved, compare, type BenchRow } from './measure.js';

const gc = (globalThis as { gc?: () => void }).gc;
const heapBytes = (): number => { gc?.(); return process.memoryUsage().heapUsed; };

/** Bytes per view, measured by holding `n` views at once; the registry's size must not matter. */
function bytesPerView(resolver: AssetResolver, n: number): number {
  const held: TenantResolver[] = new Array(n);
  const before = heapBytes();
  for (let i = 0; i < n; i++) held[i] = resolver.forTenant(`tenant-${i % 10_000}`);
  const after = heapBytes();
  if (held.length !== n) throw new Error('unreachable');
  return (after - before) / n;
}

/**
 * Tenant views (issue 15): a view per request must be cheap. Compares resolving through a fresh
 * `forTenant(t)` view per call with resolving on the root, both among 100k integrations (10k
 * tenants × 10, a wildcard each), and shows that a view's size does not grow with the registry.
 */
export async function bench(): Promise<BenchRow[]> {
  const TENANTS = 10_000;
  const PER_TENANT = 10;
  putMemoryObject('bench-tenants', 'tenant-42/p3/a.jpg', new Uint8Array([1]));
  putMemoryObject('bench-shared', 'p3/a.jpg', new Uint8Array([1]));

  const big = createAssetResolver();
  for (let t = 0; t < TENANTS; t++) {
    for (let p = 0; p < PER_TENANT; p++) {
      big.addIntegration({ id: `t${t}-p${p}`, tenant: `tenant-${t}`, provider: 'memory', scope: { bucket: 'bench-tenants', prefix: `tenant-${t}/p${p}` } });
    }
    big.addIntegration({
      id: `t${t}-any`, tenant: `tenant-${t}`, provider: 'aws', scope: { bucket: '*' },
      auth: { kind: 'assume-role', roleArn: `arn:aws:iam::${String(100000000000 + t)}:role/any`, externalId: `ext-${t}-0123456789abcdef` },
    });
  }
  // The root baseline does the same matching work: 100k integrations without tenants, 10 per bucket.
  const flat = createAssetResolver();
  for (let t = 0; t < TENANTS; t++) {
    for (let p = 0; p < PER_TENANT; p++) flat.addIntegration({ id: `flat-${t}-${p}`, provider: 'memory', scope: { bucket: `bench-b${t}`, prefix: `tenant-${t}/p${p}` } });
  }
  putMemoryObject('bench-b42', 'tenant-42/p3/a.jpg', new Uint8Array([1]));
  // And the same 100k integrations, untenanted, all in one bucket: what matching costs without per-tenant indexes.
  const crowded = createAssetResolver();
  for (let t = 0; t < TENANTS; t++) {
    for (let p = 0; p < PER_TENANT; p++) crowded.addIntegration({ id: `c${t}-p${p}`, provider: 'memory', scope: { bucket: 'bench-tenants', prefix: `tenant-${t}/p${p}` } });
  }

  const viewUri = 'memory://bench-tenants/tenant-42/p3/a.jpg';
  // Same key, same number of candidates: only the view differs.
  const rootUri = 'memory://bench-b42/tenant-42/p3/a.jpg';
  const [viewOps = 0, rootOps = 1] = await bestOfInterleaved([
    () => big.forTenant('tenant-42').resolveAsset(viewUri),
    () => flat.resolveAsset(rootUri),
  ], 3, 400);
  const [presignViewOps = 0, presignRootOps = 1] = await bestOfInterleaved([
    () => big.forTenant('tenant-42').presign(viewUri, 300),
    () => flat.presign(rootUri, 300),
  ], 3, 400);
  const [forTenantOps = 0, matchOps = 1] = await bestOfInterleaved([
    () => big.forTenant('tenant-42'),
    () => flat.match(rootUri),
  ], 3, 300, 200);
  const [crowdedViewOps = 0, crowdedRootOps = 1] = await bestOfInterleaved([
    () => big.forTenant('tenant-42').match(viewUri),
    () => crowded.match(viewUri),
  ], 2, 400, 5);

  const small = createAssetResolver({ integrations: [{ id: 'one', tenant: 'tenant-0', provider: 'memory', scope: { bucket: 'bench-shared' } }] });
  const smallBytes = bytesPerView(small, 100_000);
  const bigBytes = bytesPerView(big, 100_000);

  const rows = [
    compare('forTenant + resolveAsset (100k integrations, 10k tenants)', 'resolveAsset on the root (100k integrations, 10 per bucket)', viewOps, rootOps, undefined,
      'a fresh view per call, as a request handler would make one; same matching work on both sides'),
    compare('forTenant + presign (memory provider)', 'presign on the root', presignViewOps, presignRootOps),
    compare('forTenant() alone', 'match() on the root', forTenantOps, matchOps, undefined,
      `${smallBytes.toFixed(0)} B per view with 1 integration registered, ${bigBytes.toFixed(0)} B with 110k: no copy of integrations`),
    compare('view match, 10k tenants sharing one bucket', 'root match, the same 100k integrations untenanted in one bucket', crowdedViewOps, crowdedRootOps, undefined,
      'per-tenant indexes: a view scans its own tenant\'s integrations of the bucket, not every tenant\'s'),
  ];
  await Promise.all([big.close(), flat.close(), crowded.close(), small.close()]);
  return rows;
}
