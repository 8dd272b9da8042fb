import type { GcpIntegration, HeadResult } from '../../types.js';

/** The File option that makes every upload name the integration's CMEK key (`kmsKeyName`). */
export function gcsKmsOption(config: Pick<GcpIntegration, 'encryption'>): { kmsKeyName?: string } {
  return config.encryption ? { kmsKeyName: config.encryption.kmsKeyName } : {};
}

/** head() fields beyond size/type/etag/date, from the JSON API object resource. */
export function gcsHeadExtras(metadata: { metadata?: Record<string, unknown> | null; contentDisposition?: string; cacheControl?: string }): Partial<HeadResult> {
  const out: Partial<HeadResult> = {};
  if (metadata.metadata && Object.keys(metadata.metadata).length > 0) {
    out.metadata = Object.fromEntries(Object.entries(metadata.metadata).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, String(v)]])));
  }
  if (metadata.contentDisposition) out.contentDisposition = metadata.contentDisposition;
  if (metadata.cacheControl) out.cacheControl = metadata.cacheControl;
  return out;
}
