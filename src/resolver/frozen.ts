import type { AssetLocation, PresignedUrl } from '../types.js';

/**
 * A frozen copy of a location, own properties and descriptors included (the non-enumerable
 * `originalUrl` stays non-enumerable), with a `presigned` block and Date of its own. An asset keeps
 * one such copy private for its drivers and hands out another, so nothing a caller does to
 * `asset.location` (or to a Date inside it) can reach what the drivers act on.
 */
export function frozenLocation(location: AssetLocation): AssetLocation {
  // Already frozen with nothing mutable inside (no presigned block and its Date): it is its own copy.
  if (location.presigned === undefined && Object.isFrozen(location)) return location;
  // The parser's plain objects are copied key by key (hot path: a spread or descriptor copy then
  // frozen costs V8 ~10× more); anything else keeps every descriptor.
  const plain = Object.getPrototypeOf(location) === Object.prototype && !Object.prototype.hasOwnProperty.call(location, 'originalUrl');
  const copy = plain ? copyEnumerable(location) : Object.create(Object.getPrototypeOf(location) as object, Object.getOwnPropertyDescriptors(location)) as AssetLocation;
  if (location.presigned !== undefined) {
    const { expiresAt, ...rest } = location.presigned;
    copy.presigned = Object.freeze({ ...rest, ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt.getTime()) } : {}) });
  }
  return Object.freeze(copy);
}

function copyEnumerable(location: AssetLocation): AssetLocation {
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(location)) copy[name] = (location as unknown as Record<string, unknown>)[name];
  return copy as unknown as AssetLocation;
}

/** The caller's own copy of a presigned URL: mutating it (headers, the Date) cannot touch anything shared. */
export function ownPresignedUrl(presigned: PresignedUrl): PresignedUrl {
  // Field by field (a PresignedUrl has exactly these four): one per presigned URL, on the hot path.
  return { url: presigned.url, method: presigned.method, expiresAt: new Date(presigned.expiresAt.getTime()), headers: { ...presigned.headers } };
}

/**
 * A deep copy of an options tree in which every plain object and array is copied and frozen; functions,
 * class instances and clients (`authClient`, which may keep state on itself) are kept by reference. Options a caller mutates after
 * handing them over (an allow-list array, a nested object) then change nothing.
 */
/** Option keys whose values are objects with behaviour and state of their own, never copied. */
const BEHAVIOUR = new Set(['authClient']);

export function frozenOptions<T>(value: T): T {
  return copyPlain(value, new WeakMap()) as T;
}

function copyPlain(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out.push(copyPlain(value[i], seen));
    return Object.freeze(out);
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    Object.defineProperty(out, key, { value: BEHAVIOUR.has(key) ? inner : copyPlain(inner, seen), enumerable: true });
  }
  return Object.freeze(out);
}
