import { createHash } from 'node:crypto';
import { SortedKeyMap } from './sorted-key-map.js';

/** An object in a `memory://` store: its bytes, content type, ETag and last-modified time. */
export interface MemoryObject { data: Uint8Array; contentType?: string; etag: string; lastModified: Date }

/** memory:// stores are process-wide and named, so a test harness and the code under test share them. */
const stores = new Map<string, SortedKeyMap<MemoryObject>>();

/** The `memory://NAME` store (created empty on first use), shared by the whole process; its keys can be read in UTF-8 byte order (`sortedKeys()`) for listing. */
export function memoryStore(name: string): SortedKeyMap<MemoryObject> {
  let store = stores.get(name);
  if (!store) { store = new SortedKeyMap(); stores.set(name, store); }
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
