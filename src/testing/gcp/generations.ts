import type { FakeBucket, StoredObject } from './object-store.js';

/**
 * Object generations as Cloud Storage keeps them. Every write creates a new generation. In a
 * bucket with Object Versioning enabled the generation it replaces (or a deleted live object)
 * becomes noncurrent and stays readable, and deletable, by its `generation`; without versioning
 * the replaced generation is gone (a read of it is 404). Soft delete is not modelled.
 */

function noncurrentOf(bucket: FakeBucket, name: string): StoredObject[] {
  bucket.noncurrent ??= new Map();
  let list = bucket.noncurrent.get(name);
  if (!list) bucket.noncurrent.set(name, (list = []));
  return list;
}

/** Makes `object` the live generation of its name, keeping the one it replaces when versioning is on. */
export function storeGeneration(bucket: FakeBucket, object: StoredObject): void {
  const previous = bucket.objects.get(object.name);
  if (previous && bucket.versioning) noncurrentOf(bucket, object.name).push(previous);
  bucket.objects.set(object.name, object);
}

/** Deletes the live object (it becomes noncurrent when versioning is on); false when there is none. */
export function deleteLive(bucket: FakeBucket, name: string): boolean {
  const live = bucket.objects.get(name);
  if (!live) return false;
  bucket.objects.delete(name);
  if (bucket.versioning) noncurrentOf(bucket, name).push(live);
  return true;
}

/** The object a request names: the live one, or the generation `generation` (live or noncurrent). */
export function objectAt(bucket: FakeBucket, name: string, generation: string | undefined): StoredObject | undefined {
  const live = bucket.objects.get(name);
  if (generation === undefined || live?.generation === generation) return live;
  return bucket.noncurrent?.get(name)?.find((o) => o.generation === generation);
}

/** Permanently deletes one generation, live or noncurrent. */
export function deleteGeneration(bucket: FakeBucket, name: string, generation: string): boolean {
  if (bucket.objects.get(name)?.generation === generation) {
    bucket.objects.delete(name);
    return true;
  }
  const list = bucket.noncurrent?.get(name);
  const index = list?.findIndex((o) => o.generation === generation) ?? -1;
  if (!list || index === -1) return false;
  list.splice(index, 1);
  return true;
}

/** Every generation of `name`, oldest first (noncurrent ones, then the live one). */
export function generationsOf(bucket: FakeBucket, name: string): StoredObject[] {
  const live = bucket.objects.get(name);
  return [...(bucket.noncurrent?.get(name) ?? []), ...(live ? [live] : [])];
}

/** The `generation` query parameter: undefined when absent, 'invalid' when not a positive integer (GCS answers 400). */
export function generationParam(url: URL): string | undefined | 'invalid' {
  const value = url.searchParams.get('generation');
  if (value === null) return undefined;
  return /^[1-9]\d{0,18}$/.test(value) ? value : 'invalid';
}
