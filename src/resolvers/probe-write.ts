import { AlreadyExistsError, AssetLinkError, ProviderError } from '../errors.js';
import type { ObjectTarget } from './driver.js';

/**
 * Shared by the drivers' create-only writes and raw-write probes (verify): the typed refusal when
 * an object is already at the key, and the clean-up of a probe object by its exact version.
 */

export function alreadyExistsAt(target: ObjectTarget): AlreadyExistsError {
  return new AlreadyExistsError(
    `an object already exists at ${target.location.uri}; verify only writes its probe where nothing exists and never overwrites or deletes ` +
      'an object it did not create: pass a probeKey that does not exist, or none',
    { integrationId: target.integration.id, uri: target.location.uri },
  );
}

/**
 * Removes a probe object by exact version. `false` from `remove` means another writer replaced it
 * (or removed it) meanwhile: that object is theirs and stays. A failure to remove our own object is
 * thrown, naming the object so it can be deleted by hand.
 */
export async function removeProbe(remove: () => Promise<boolean>, target: ObjectTarget): Promise<void> {
  try {
    await remove();
  } catch (error) {
    const why = error instanceof AssetLinkError ? `${error.code}: ${error.message}` : 'unexpected error';
    throw new ProviderError(`the probe object ${target.location.uri} was created but could not be removed (${why}); delete it by hand`, {
      integrationId: target.integration.id, uri: target.location.uri, cause: error,
    });
  }
}
