export { parseAssetUri, type ParseOptions } from './parse.js';
export type { EndpointOverride } from './endpoints.js';
export { azureBlobUri, canonicalUri, encodeKeyForUrl, httpsUri, isUnder, joinKey } from './canonical.js';
export { detectPresigned } from './presigned.js';
