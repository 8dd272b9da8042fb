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

/** Replaces a retired registration in a driver call's first argument (a target or an integration). */
function current(first: unknown, rebind: Rebind): unknown {
  if (first instanceof RegisteredIntegration) return first.retired ? rebind(first, undefined).integration : first;
  const target = first as ObjectTarget | undefined;
  if (target?.integration instanceof RegisteredIntegration && target.integration.retired) {
    return { ...target, ...rebind(target.integration, target.location) };
  }
  return first;
}

/**
 * Driver methods whose result is itself a credential (a signed URL, a POST policy, vended keys):
 * when the registration was retired while one ran — an impersonated signBlob in flight, say —
 * the result is not handed out; the call runs again on the current registration.
 */
const HANDS_OUT_CREDENTIALS = new Set(['presign', 'presignPost', 'createUpload', 'vend']);

function retiredTarget(first: unknown): boolean {
  if (first instanceof RegisteredIntegration) return first.retired;
  return (first as ObjectTarget | undefined)?.integration instanceof RegisteredIntegration && (first as ObjectTarget).integration.retired;
}

/** A body already partly consumed cannot be sent again. */
function replayable(args: unknown[]): boolean {
  return !args.some((a) => a instanceof ReadableStream || (typeof a === 'object' && a !== null && Symbol.asyncIterator in a));
}

/** Every method name of the driver (own and inherited), except the constructor. */
function methodNames(driver: object): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = driver; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (driver as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return names;
}

const unwrapped = new WeakMap<object, ProviderDriver>();

/** The driver behind a wrapper from `followUpdates` (itself when not wrapped). For tests that simulate timing inside a driver. */
export function underlyingDriver(driver: ProviderDriver): ProviderDriver {
  return unwrapped.get(driver) ?? driver;
}

/**
 * A plain object standing in for `driver`: its data properties copied, each method wrapped once.
 * (Not a Proxy: the hot path — presign — pays a property read and a call, not trap dispatch.)
 */
export function followUpdates(driver: ProviderDriver, rebind: Rebind): ProviderDriver {
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(driver)) wrapped[name] = (driver as unknown as Record<string, unknown>)[name];
  for (const name of methodNames(driver)) {
    const method = (driver as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    if (name === 'close') { wrapped[name] = method.bind(driver); continue; }
    const handsOut = HANDS_OUT_CREDENTIALS.has(name);
    wrapped[name] = function call(a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown {
      let first: unknown;
      try {
        first = current(a, rebind);
      } catch (error) {
        return Promise.reject(error);
      }
      const result = method.call(driver, first, b, c, d);
      if (!(result instanceof Promise)) return result;
      // (Handlers written inline: sharing one closure between them made V8 10× slower here.)
      if (handsOut) {
        return result.then(
          (value: unknown) => (retiredTarget(first) ? method.call(driver, current(first, rebind), b, c, d) : value),
          (error: unknown) => {
            if (!(error instanceof IntegrationUpdatedError) || !replayable([b, c, d])) throw error;
            return method.call(driver, current(first, rebind), b, c, d);
          },
        );
      }
      return result.catch((error: unknown) => {
        // The old registration was retired while its credentials were being minted: run once more on the current one.
        if (!(error instanceof IntegrationUpdatedError) || !replayable([b, c, d])) throw error;
        return method.call(driver, current(first, rebind), b, c, d);
      });
    };
  }
  unwrapped.set(wrapped, driver);
  return wrapped as unknown as ProviderDriver;
}
