import { IntegrationUpdatedError } from '../cache/credential-cache.js';
import { RegisteredIntegration } from '../integrations/registered.js';
import type { ObjectTarget, ProviderDriver } from '../resolvers/driver.js';
import type { AssetLocation } from '../types.js';

/**
 * `updateIntegration` and `removeIntegration` retire the registration they replace. Whoever still
 * holds it — an asset resolved earlier, a listing between pages, a verification between checks —
 * must not mint credentials for the old configuration any more. Rather than trusting every
 * operation (present and future) to re-check, the resolver hands out its drivers wrapped here:
 * every driver call whose target names a retired registration runs against the current one
 * instead (or fails with NO_INTEGRATION / INTEGRATION_DISABLED), and a call whose credential
 * fetch was superseded by an update while in flight is run once more on the current registration.
 */

/** The current registration for `stale` (and `location` re-checked against it, when given). */
export type Rebind = <L extends AssetLocation | undefined>(stale: RegisteredIntegration, location: L) => { integration: RegisteredIntegration; location: L };

function isTarget(value: unknown): value is ObjectTarget {
  return typeof value === 'object' && value !== null && (value as ObjectTarget).integration instanceof RegisteredIntegration
    && typeof (value as ObjectTarget).location === 'object';
}

/** Replaces retired registrations in a driver call's arguments; undefined when none is retired. */
function current(args: unknown[], rebind: Rebind): unknown[] | undefined {
  const first = args[0];
  if (first instanceof RegisteredIntegration) {
    if (!first.retired) return undefined;
    return [rebind(first, undefined).integration, ...args.slice(1)];
  }
  if (isTarget(first) && first.integration.retired) {
    return [{ ...first, ...rebind(first.integration, first.location) }, ...args.slice(1)];
  }
  return undefined;
}

/** A body already partly consumed cannot be sent again. */
function replayable(args: unknown[]): boolean {
  return !args.some((a) => a instanceof ReadableStream || (typeof a === 'object' && a !== null && Symbol.asyncIterator in a));
}

export function followUpdates(driver: ProviderDriver, rebind: Rebind): ProviderDriver {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(driver, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function' || prop === 'close' || prop === 'constructor') return typeof value === 'function' ? value.bind(target) : value;
      let wrapper = wrappers.get(prop);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper = function call(...args: unknown[]): unknown {
          const run = (list: unknown[]): unknown => method.apply(target, list);
          let list: unknown[];
          try {
            list = current(args, rebind) ?? args;
          } catch (error) {
            return Promise.reject(error);
          }
          const result = run(list);
          if (!(result instanceof Promise) || !replayable(list)) return result;
          return result.catch((error: unknown) => {
            if (!(error instanceof IntegrationUpdatedError)) throw error;
            // The old registration is retired by now: this runs on the current one.
            return run(current(list, rebind) ?? list);
          });
        };
        wrappers.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}
