import type { ProviderDriver } from '../../src/resolvers/driver.js';
import { underlyingDriver } from '../../src/resolver/current-target.js';

type Method = 'head' | 'read' | 'deleteVersion';

/**
 * Replaces one driver method for the duration of `run` (simulates another writer's timing, not our
 * code), then puts back exactly what was there: the resolver may hand out a wrapper whose methods
 * are own properties.
 */
export async function patched<K extends Method>(driver: ProviderDriver, method: K, replacement: (original: NonNullable<ProviderDriver[K]>) => NonNullable<ProviderDriver[K]>, run: () => Promise<void>): Promise<void> {
  // Patched on the wrapper the resolver hands out and on the driver behind it (whose own methods call each other).
  const inner = underlyingDriver(driver);
  const original = (inner[method] as (...args: unknown[]) => unknown).bind(inner) as NonNullable<ProviderDriver[K]>;
  const patchedMethod = replacement(original);
  const restores = [...new Set([driver, inner])].map((target) => {
    const slot = target as unknown as Record<string, unknown>;
    const own = Object.prototype.hasOwnProperty.call(target, method);
    const before = slot[method];
    slot[method] = patchedMethod;
    return () => { if (own) slot[method] = before; else delete slot[method]; };
  });
  try {
    await run();
  } finally {
    for (const restore of restores) restore();
  }
}
