import type { HttpMethod, Mode, Provider } from './types.js';
import type { AssetLinkErrorCode } from './errors.js';

interface EventBase {
  time: Date; integrationId?: string; provider?: Provider;
  /** The integration's tenant (or the tenant view's, for refusals that name no integration). */
  tenant?: string;
  /** The integration's labels, as registered. */
  labels?: Readonly<Record<string, string>>;
}

/** Audit events. Never carry secrets: URIs are redacted, credentials are described, not included. */
export type AssetLinkEvent =
  | (EventBase & { type: 'credentials.minted' | 'credentials.refreshed'; integrationId: string; scope: string; mode?: Mode; expiresAt?: Date })
  | (EventBase & { type: 'credentials.failed'; integrationId: string; scope: string; code: AssetLinkErrorCode; attempt: number; willRetry: boolean })
  | (EventBase & {
    type: 'asset.read' | 'asset.written' | 'asset.deleted' | 'asset.head'; integrationId: string; uri: string; bytes?: number;
    /** A `read()` stream that failed mid-body: the error's code (the event comes when the stream ends). */
    code?: AssetLinkErrorCode;
    /** A `read()` stream its reader cancelled before the end. */
    cancelled?: boolean;
  })
  | (EventBase & { type: 'presign.issued'; integrationId: string; uri: string; method: HttpMethod; ttlSeconds: number; expiresAt: Date })
  | (EventBase & { type: 'write.refused'; integrationId: string; uri: string; operation: string })
  | (EventBase & { type: 'scope.refused'; integrationId?: string; uri: string; code: 'OUT_OF_SCOPE' | 'NO_INTEGRATION' | 'BLOCKED_HOST' })
  | (EventBase & { type: 'cache.store-unavailable'; message: string })
  | (EventBase & { type: 'asset.listed'; integrationId: string; uri: string; entries: number; pages: number; complete: boolean })
  | (EventBase & { type: 'listing.split'; integrationId: string; uri: string; ranges: number; requests: number })
  /** `resolver.vend()` handed credentials to a caller (their key id or secret is never part of the event). */
  | (EventBase & { type: 'credentials.vended'; integrationId: string; uri: string; prefix: string; mode: Mode; ttlSeconds: number; expiresAt: Date })
  /** `resolver.vend()` refused after matching an integration (READ_ONLY, VEND_UNSUPPORTED, INVALID_TTL, …). */
  | (EventBase & { type: 'vend.refused'; integrationId: string; uri: string; mode: Mode; code: AssetLinkErrorCode })
  /** `resolver.presignMany()`: one event per batch (each URL is not an event of its own). */
  | (EventBase & { type: 'presign.batch'; method: HttpMethod; ttlSeconds: number; requested: number; issued: number; failed: number; integrationIds: string[] })
  | (EventBase & {
    /** Browser uploads (docs/uploads.md). `bytes`: file size (POST: maxBytes); `parts`: part URLs issued. Never the upload id or a URL. */
    type: 'upload.created' | 'upload.resumed' | 'upload.completed' | 'upload.aborted' | 'post.issued';
    integrationId: string; uri: string; bytes?: number; parts?: number; expiresAt?: Date;
  });

/** The `type` of an `AssetLinkEvent`. */
export type AssetLinkEventType = AssetLinkEvent['type'];
