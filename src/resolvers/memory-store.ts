import { createHash } from 'node:crypto';

/** An object in a `memory://` store: its bytes, content type, ETag and last-modified time. */
export interface MemoryObject { data: Uint8Array; contentType?: string; etag: string; lastModified: Date }

/** memory:// stores are process-wide and named, so a test harness and the code under test share them. */
const stores = new Map<string, Map<string, MemoryObject>>();

/** The `memory://NAME` store (created empty on first use): a Map from key to object, shared by the whole process. */
export function memoryStore(name: string): Map<string, MemoryObject> {
  let store = stores.get(name);
  if (!store) { store = new Map(); stores.set(name, store); }
  return store;
}

/** Puts an object into `memory://NAME/KEY` directly (seeding tests), bypassing integrations. */
export function putMemoryObject(name: string, key: string, data: Uint8Array, contentType?: string): MemoryObject {
  const object: MemoryObject = {
    data, etag: `"${createHash('md5').update(data).digest('hex')}"`, lastModified: new Date(),
    ...(contentType !== undefined ? { contentType } : {}),
  };
  memoryStore(name).set(key, object);
  return object;
}

/** Empties every `memory://` store (between tests). */
export function clearMemoryStores(): void { stores.clear(); }
