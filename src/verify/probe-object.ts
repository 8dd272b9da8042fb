import { AlreadyExistsError, AssetLinkError, ProviderError } from '../errors.js';
import { alreadyExistsAt } from '../resolvers/probe-write.js';
import type { ObjectTarget, ObjectVersion, ProviderDriver } from '../resolvers/driver.js';

/**
 * The write probe's object, handled so that verify never modifies or deletes an object it did not
 * create: it is written only where nothing exists (a create-only write), and removed only while it
 * is still exactly the version the probe wrote.
 *
 * Drivers with `createIfAbsent` / `deleteVersion` (S3, GCS, Azure, memory) make both steps atomic
 * at the provider. For drivers without them (the `file` provider today) the same rules are applied
 * with an existence check before the write and a version check before the delete: another process
 * writing the same key between the check and the write could still be overwritten, so such
 * providers only get that best effort (documented in docs/verify.md).
 */
export interface ProbeObject {
  /** Writes the probe body; ALREADY_EXISTS (nothing written) when an object is at the key. */
  create(target: ObjectTarget, body: Uint8Array): Promise<ObjectVersion>;
  /** Deletes the probe object if it is still `version`; false when someone replaced (or removed) it. */
  remove(target: ObjectTarget, version: ObjectVersion): Promise<boolean>;
}

export function probeObject(driver: ProviderDriver): ProbeObject {
  if (driver.createIfAbsent && driver.deleteVersion) {
    return {
      create: (target, body) => driver.createIfAbsent!(target, body, { contentType: 'text/plain' }),
      remove: (target, version) => driver.deleteVersion!(target, version),
    };
  }
  return {
    async create(target, body) {
      if (await exists(driver, target)) throw alreadyExists(target);
      await driver.write(target, body, { contentType: 'text/plain' });
      return { value: await versionOf(driver, target) };
    },
    async remove(target, version) {
      let current: string;
      try {
        current = await versionOf(driver, target);
      } catch (error) {
        if (error instanceof AssetLinkError && error.code === 'NOT_FOUND') return false;
        throw error;
      }
      if (current !== version.value) return false;
      await driver.delete(target);
      return true;
    },
  };
}

/**
 * True when an object is at the target, false when the provider says NOT_FOUND. Any other answer
 * (access denied, a failure) is thrown: existence is unknown, and the caller must not guess.
 */
export async function exists(driver: ProviderDriver, target: ObjectTarget): Promise<boolean> {
  try {
    await driver.head(target);
    return true;
  } catch (error) {
    if (error instanceof AssetLinkError && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

export function alreadyExists(target: ObjectTarget): AlreadyExistsError {
  return alreadyExistsAt(target);
}

async function versionOf(driver: ProviderDriver, target: ObjectTarget): Promise<string> {
  const head = await driver.head(target);
  const version = head.etag ?? (head.lastModified ? `${head.size}@${head.lastModified.getTime()}` : undefined);
  if (version === undefined) {
    throw new ProviderError(`cannot tell the version of ${target.location.uri}: the provider reports no ETag or modification time`, {
      integrationId: target.integration.id, uri: target.location.uri,
    });
  }
  return version;
}
