import { inspectSymbol } from '../redact.js';
import type { AssetLocation, PresignedInfo, Provider } from '../types.js';
import { canonicalUri } from './canonical.js';

export interface Extras {
  account?: string;
  region?: string;
  partition?: 'aws' | 'aws-cn';
  presigned?: PresignedInfo;
  uri?: string;
  /** See AssetLocation.originalUrl; stored non-enumerable so it is never serialised. */
  originalUrl?: string;
}

/** Builds the result with a stable property order and no `undefined`-valued properties. */
export function location(provider: Provider, bucket: string, key: string, extras: Extras = {}): AssetLocation {
  const loc: AssetLocation = { provider, bucket, key, uri: '' };
  if (extras.account !== undefined) loc.account = extras.account;
  if (extras.region !== undefined) loc.region = extras.region;
  if (extras.partition !== undefined) loc.partition = extras.partition;
  loc.uri = extras.uri ?? canonicalUri(provider, bucket, key, extras.account);
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
