import { inspectSymbol } from '../redact.js';
import type { AssetLocation, AwsPartition, AzureCloud, PresignedInfo, Provider } from '../types.js';
import { canonicalUri, pinnedUri } from './canonical.js';

export interface Extras {
  account?: string;
  region?: string;
  partition?: AwsPartition;
  version?: string;
  snapshot?: string;
  cloud?: AzureCloud;
  presigned?: PresignedInfo;
  uri?: string;
  /** See AssetLocation.endpoint; `uri` is then the URL on that endpoint, pinned or not. */
  endpoint?: string;
  /** See AssetLocation.originalUrl; stored non-enumerable so it is never serialised. */
  originalUrl?: string;
}

/** Builds the result with a stable property order and no `undefined`-valued properties. */
export function location(provider: Provider, bucket: string, key: string, extras: Extras = {}): AssetLocation {
  const loc: AssetLocation = { provider, bucket, key, uri: '' };
  if (extras.account !== undefined) loc.account = extras.account;
  if (extras.region !== undefined) loc.region = extras.region;
  if (extras.partition !== undefined) loc.partition = extras.partition;
  if (extras.cloud !== undefined) loc.cloud = extras.cloud;
  if (extras.version !== undefined) loc.version = extras.version;
  if (extras.snapshot !== undefined) loc.snapshot = extras.snapshot;
  if (extras.endpoint !== undefined) loc.endpoint = extras.endpoint;
  loc.uri = (extras.version === undefined && extras.snapshot === undefined || extras.endpoint !== undefined ? undefined : pinnedUri(provider, bucket, key, extras))
    ?? extras.uri ?? canonicalUri(provider, bucket, key, extras.account, extras.cloud);
  if (extras.presigned !== undefined) loc.presigned = extras.presigned;
  if (extras.originalUrl !== undefined) {
    Object.defineProperty(loc, 'originalUrl', { value: extras.originalUrl, enumerable: false });
    // util.inspect with `showHidden` prints non-enumerable properties too: show only the enumerable ones.
    Object.defineProperty(loc, inspectSymbol, { value: inspectEnumerable, enumerable: false });
  }
  return loc;
}

function inspectEnumerable(this: AssetLocation, _depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
  return inspect({ ...this }, options);
}
