import { ReadOnlyError } from '../../errors.js';
import type { AssetLocation } from '../../types.js';

/**
 * A location pinned to one snapshot or version of a blob (`?snapshot=` / `?versionid=`). Reads of
 * it carry the pin in the URL and a SAS confined to exactly that snapshot (`sr=bs`) or version
 * (`sr=bv`), whose signature names the pin: the same SAS cannot read the live blob nor another
 * snapshot, and a presigned URL stripped of its pin is refused by Azure.
 */
export interface BlobPin {
  resource: 'bs' | 'bv';
  /** The snapshot time or version id, exactly as the URI gave it. */
  time: string;
  /** The query parameter Azure reads it from. */
  param: 'snapshot' | 'versionid';
}

export function blobPinOf(location: Pick<AssetLocation, 'snapshot' | 'version'>): BlobPin | undefined {
  if (location.snapshot !== undefined) return { resource: 'bs', time: location.snapshot, param: 'snapshot' };
  if (location.version !== undefined) return { resource: 'bv', time: location.version, param: 'versionid' };
  return undefined;
}

/** The blob URL naming the pinned snapshot or version (the SAS is appended after it). */
export function pinnedBlobUrl(url: string, pin: BlobPin | undefined): string {
  return pin === undefined ? url : `${url}?${pin.param}=${encodeURIComponent(pin.time)}`;
}

/** Writes and deletes never go through a pinned location: they would touch the live blob, or destroy the snapshot/version. */
export function refusePinnedBlob(pin: BlobPin | undefined, operation: string, at: { integrationId: string; uri: string }): void {
  if (pin === undefined) return;
  const what = pin.resource === 'bs' ? 'snapshot' : 'version';
  throw new ReadOnlyError(`cannot ${operation} ${at.uri}: it names ${what} ${pin.time}, and a pinned ${what} is read-only`, at);
}
