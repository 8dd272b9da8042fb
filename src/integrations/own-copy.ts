/**
 * A deep copy of integration input made of its **own** properties only, on null-prototype objects.
 * Validation then reads nothing inherited: a polluted `Object.prototype.mode = 'read-write'` (from
 * any other library in the process) cannot turn a default read-only integration read-write, a
 * `"__proto__"` key in integration JSON is an ordinary, ignored key, and a getter is read exactly
 * once, so a value cannot change between the check and its use. Functions are kept by reference.
 */
export function ownCopy(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 16) return value;
  // A Date has no own properties: copied as a Date (its time read once), or it would become `{}`.
  if (Object.prototype.toString.call(value) === '[object Date]') return new Date(Date.prototype.getTime.call(value));
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(Object.hasOwn(value, i) ? ownCopy(value[i], depth + 1) : undefined);
    return out;
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) out[key] = ownCopy((value as Record<string, unknown>)[key], depth + 1);
  return out;
}
