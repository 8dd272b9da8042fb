import { randomUUID } from 'node:crypto';
import { ownCopy } from '../integrations/own-copy.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { Integration } from '../types.js';

/** Functions (Azure assertion callbacks) have no content to compare: each gets an identity. */
const functionIds = new WeakMap<object, string>();

function snapshot(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'function') return inner;
    let id = functionIds.get(inner);
    if (!id) { id = randomUUID(); functionIds.set(inner, id); }
    return `function:${id}`;
  });
}

/**
 * Integration objects passed per call (`resolveAsset(uri, integrationObject)`), registered once per
 * object and content. The object is the caller's and stays mutable: every call copies its current
 * content and reuses the registration only when that content is unchanged, so a caller that narrows
 * its object (read-only, a smaller prefix) between calls is never served the wider, stale copy.
 */
export class AdHocIntegrations {
  readonly #byObject = new WeakMap<object, { snapshot: string; registered: RegisteredIntegration }>();

  get(ref: Integration, register: (copy: Integration) => RegisteredIntegration): RegisteredIntegration {
    const copy = ownCopy(ref) as Integration;
    const current = snapshot(copy);
    const hit = this.#byObject.get(ref);
    if (hit && hit.snapshot === current) return hit.registered;
    const registered = register(copy);
    this.#byObject.set(ref, { snapshot: current, registered });
    return registered;
  }
}
