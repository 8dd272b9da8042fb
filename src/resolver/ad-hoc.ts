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
  /** Per object, one registration per slot (the tenant view it was used through; '' at the root). */
  readonly #byObject = new WeakMap<object, Map<string, { snapshot: string; registered: RegisteredIntegration }>>();

  get(ref: Integration, slot: string, register: (copy: Integration) => RegisteredIntegration): RegisteredIntegration {
    const copy = ownCopy(ref) as Integration;
    const current = snapshot(copy);
    let slots = this.#byObject.get(ref);
    const hit = slots?.get(slot);
    if (hit && hit.snapshot === current) return hit.registered;
    const registered = register(copy);
    if (!slots) { slots = new Map(); this.#byObject.set(ref, slots); }
    slots.set(slot, { snapshot: current, registered });
    return registered;
  }
}
