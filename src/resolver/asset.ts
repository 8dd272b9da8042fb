import { AssetLinkError, InvalidArgumentError, ReadOnlyError, UnsupportedUriError, type AssetLinkErrorCode } from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { inspectSymbol, redactUrl } from '../redact.js';
import type { DriverPresignRequest, ProviderDriver, ObjectTarget } from '../resolvers/driver.js';
import type {
  AssetLocation, ByteRange, HeadResult, Mode, PresignedUrl, PresignOptions, ReadOptions, ResolvedAsset, SignalOptions, WriteBody, WriteOptions,
} from '../types.js';
import { checkResponseOverrides, checkWriteOptions } from '../resolvers/write-options.js';
import { abortable, abortableStream } from './abortable.js';
import { observeStream } from '../telemetry/observe-stream.js';
import { traced, tracedStream } from '../telemetry/otel.js';
import { frozenLocation, ownPresignedUrl } from './frozen.js';
import { collect, normalizeBody } from './streams.js';
import type { Rebind } from './current-target.js';
import { checkTtl } from './ttl.js';
import { presignThroughReuse, type PresignReuse } from './presign-reuse.js';
import * as uploads from './uploads.js';
import type { CompletedPart, CreateUploadOptions, PresignedPost, PresignPostOptions, ResumedUploadPlan, ResumeUploadOptions, UploadCallOptions, UploadPlan } from '../upload-types.js';

export interface AssetDeps {
  driver: ProviderDriver;
  target: ObjectTarget;
  emit(event: AssetLinkEvent): void;
  /** Whether anyone listens: events are not even built otherwise (presign is a hot path). */
  listening: boolean;
  now(): number;
  /** The current registration when the asset's integration was updated since it was resolved. */
  rebind?: Rebind;
  /** The resolver's store of reusable presigned URLs (presign-reuse.ts). */
  reuse?: PresignReuse;
}

/**
 * One asset bound to the integration that covers it. Holds no credentials itself.
 * Every check and every driver call uses private state fixed at construction (a frozen copy of the
 * location, the integration's mode): the public `location`, `integrationId` and `mode` are
 * read-only, frozen copies for the caller, and changing them could not change what the asset does.
 */
export class BoundAsset implements ResolvedAsset {
  declare readonly location: AssetLocation;
  declare readonly integrationId: string;
  /** The mode when resolved; writes are checked against the integration's current mode (see #current). */
  declare readonly mode: Mode;
  readonly #deps: AssetDeps;
  /** A frozen copy of the target, private; follows `updateIntegration` (see #current). */
  #target: ObjectTarget;

  constructor(deps: AssetDeps) {
    this.#deps = deps;
    this.#target = Object.freeze({ integration: deps.target.integration, location: frozenLocation(deps.target.location) });
    // Plain assignments made read-only by the freeze below (Object.defineProperties costs V8 ~10× more on this hot path).
    // The private copy itself when it holds nothing mutable (frozenLocation copies only a presigned block's Date).
    (this as { location: AssetLocation }).location = frozenLocation(deps.target.location.presigned === undefined ? this.#target.location : deps.target.location);
    (this as { integrationId: string }).integrationId = deps.target.integration.id;
    (this as { mode: Mode }).mode = deps.target.integration.mode;
    // Nor can methods be swapped by replacing the prototype. Keep this the constructor's last line.
    Object.freeze(this);
  }

  /**
   * The target, moved onto the integration's current registration if it was updated since:
   * an update to read-only or disabled applies to assets resolved before it, too.
   */
  #current(): ObjectTarget {
    const target = this.#target;
    if (!target.integration.retired || !this.#deps.rebind) return target;
    const rebound = this.#deps.rebind(target.integration, target.location);
    this.#target = Object.freeze({ integration: rebound.integration, location: frozenLocation(rebound.location) });
    return this.#target;
  }

  head(opts: SignalOptions = {}): Promise<HeadResult> {
    return this.#traced('assetlink.head', async () => {
      this.#refuseUnhonouredPin();
      const { signal } = opts;
      const result = await abortable(signal, 'head', this.#target.location.uri, () => this.#deps.driver.head(this.#current(), signal), { race: true });
      this.#event('asset.head');
      return result;
    });
  }

  read(opts: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    // The span and the asset.read event end when the stream does (bytes, mid-stream error), not here.
    return tracedStream('assetlink.read', this.#spanAttributes(), async () => {
      this.#refuseUnhonouredPin();
      const range = opts.range === undefined ? undefined : checkRange(opts.range, this.#target.location);
      const { signal } = opts;
      const uri = this.#target.location.uri;
      const stream = await abortable(signal, 'read', uri, () => this.#deps.driver.read(this.#current(), range, signal), { race: true });
      return abortableStream(stream, signal, 'read', uri);
    }, this.#deps.listening ? (end) => this.#event('asset.read', end.bytes, {
      ...(end.error !== undefined ? { code: end.error instanceof AssetLinkError ? end.error.code : 'PROVIDER_ERROR' } : {}),
      ...(end.cancelled ? { cancelled: true } : {}),
    }) : undefined);
  }

  bytes(opts: SignalOptions = {}): Promise<Uint8Array> {
    return this.#traced('assetlink.bytes', async () => {
      this.#refuseUnhonouredPin();
      const { signal } = opts;
      const uri = this.#target.location.uri;
      const data = await abortable(signal, 'bytes', uri, async () => collect(abortableStream(await this.#deps.driver.read(this.#current(), undefined, signal), signal, 'bytes', uri)), { race: true });
      this.#event('asset.read', data.byteLength);
      return data;
    });
  }

  write(body: WriteBody, opts: WriteOptions = {}): Promise<void> {
    return this.#traced('assetlink.write', async () => {
      try {
        this.#refuseIfReadOnly('write');
        const uri = this.#target.location.uri;
        const options = checkWriteOptions(opts, uri);
        const normalized = normalizeBody(body);
        let streamed: number | undefined;
        const counted = (this.#deps.listening || options.onProgress) && !(normalized instanceof Uint8Array) ? observeStream(normalized, (end) => { streamed = end.bytes; }) : normalized;
        await abortable(options.signal, 'write', uri, () => this.#deps.driver.write(this.#current(), counted, options));
        const written = normalized instanceof Uint8Array ? normalized.byteLength : streamed;
        // Every driver reports progress its own way; the last report is always the total.
        if (written !== undefined) options.onProgress?.(written);
        this.#event('asset.written', written);
      } catch (error) {
        // A body stream that was refused before anyone read it is cancelled, releasing what feeds it (a file handle, a socket).
        if (body instanceof ReadableStream && !body.locked) await body.cancel(error).catch(() => undefined);
        throw error;
      }
    });
  }

  delete(): Promise<void> {
    return this.#traced('assetlink.delete', async () => {
      this.#refuseIfReadOnly('delete');
      await this.#deps.driver.delete(this.#current());
      this.#event('asset.deleted');
    });
  }

  presign(opts: PresignOptions): Promise<PresignedUrl> {
    return this.#traced('assetlink.presign', () => this.#presign(opts));
  }

  async #presign(opts: PresignOptions): Promise<PresignedUrl> {
    const method = opts.method ?? 'GET';
    if (method !== 'GET' && method !== 'PUT') throw new InvalidArgumentError(`presign method must be GET or PUT, got ${String(method)}`);
    if (method === 'PUT') this.#refuseIfReadOnly('presign PUT');
    this.#refuseUnhonouredPin();
    const driver = this.#deps.driver;
    const ttlSeconds = checkTtl(opts.ttlSeconds, driver.maxPresignTtlSeconds, opts.clamp === true, driver.provider, 'presigned URLs');
    const target = this.#current();
    const overrides = opts.responseContentType === undefined && opts.responseContentDisposition === undefined ? undefined : checkResponseOverrides(opts, method);
    const request: DriverPresignRequest = { method, ttlSeconds, clamp: opts.clamp === true };
    if (opts.contentType !== undefined) request.contentType = opts.contentType;
    if (overrides !== undefined) Object.assign(request, overrides);
    const presigned = (opts.reuse === undefined && this.#deps.reuse?.defaults === undefined ? undefined
      : await presignThroughReuse(this.#deps.reuse, opts.reuse, target, opts, request, driver, this.#deps.now())) ?? await driver.presign(target, request);
    if (this.#deps.listening) {
      const now = this.#deps.now();
      this.#deps.emit({
        type: 'presign.issued', time: new Date(now), integrationId: this.#target.integration.id, provider: this.#target.location.provider, ...this.#owner(),
        uri: this.#target.location.uri, method, ttlSeconds: Math.round((presigned.expiresAt.getTime() - now) / 1000), expiresAt: presigned.expiresAt,
      });
    }
    return ownPresignedUrl(presigned);
  }

  createUpload(opts: CreateUploadOptions): Promise<UploadPlan> {
    return this.#traced('assetlink.createUpload', () => uploads.createUpload(this.#uploadHost(), opts));
  }

  resumeUpload(uploadId: string, opts: ResumeUploadOptions): Promise<ResumedUploadPlan> {
    return this.#traced('assetlink.resumeUpload', () => uploads.resumeUpload(this.#uploadHost(), uploadId, opts));
  }

  completeUpload(uploadId: string, parts: CompletedPart[], opts?: UploadCallOptions): Promise<void> {
    return this.#traced('assetlink.completeUpload', () => uploads.completeUpload(this.#uploadHost(), uploadId, parts, opts));
  }

  abortUpload(uploadId: string, opts?: UploadCallOptions): Promise<void> {
    return this.#traced('assetlink.abortUpload', () => uploads.abortUpload(this.#uploadHost(), uploadId, opts));
  }

  presignPost(opts: PresignPostOptions): Promise<PresignedPost> {
    return this.#traced('assetlink.presignPost', () => uploads.presignPost(this.#uploadHost(), opts));
  }

  #uploadHost(): uploads.UploadHost {
    return {
      driver: this.#deps.driver, target: () => this.#current(), refuseIfReadOnly: (operation) => this.#refuseIfReadOnly(operation),
      emit: (event) => this.#deps.emit(event), listening: this.#deps.listening, now: () => this.#deps.now(), owner: () => this.#owner(),
    };
  }

  toJSON(): Record<string, unknown> {
    return { location: { ...this.location, uri: redactUrl(this.location.uri) }, integrationId: this.integrationId, mode: this.mode };
  }

  [inspectSymbol](): string { return `ResolvedAsset ${JSON.stringify(this.toJSON())}`; }

  /** A pinned location on a driver that would read the live object instead: refused, never answered wrongly. */
  #refuseUnhonouredPin(): void {
    const { integration, location } = this.#target;
    const pinned = location.version ?? location.snapshot;
    if (pinned === undefined || this.#deps.driver.honoursPins === true) return;
    throw new UnsupportedUriError(
      `UNSUPPORTED_URI: ${location.uri} pins ${location.version !== undefined ? 'version' : 'snapshot'} ${pinned}, which the ${location.provider} provider cannot read yet; it would return the live object instead`,
      { integrationId: integration.id, uri: location.uri },
    );
  }

  #refuseIfReadOnly(operation: string): void {
    const { integration, location } = this.#current();
    // A location pinned to a version or snapshot names bytes that never change: writing or
    // deleting through it must not touch the live object (nor destroy the version), on any integration.
    const pinned = location.version ?? location.snapshot;
    if (pinned !== undefined) {
      this.#deps.emit({ type: 'write.refused', time: new Date(this.#deps.now()), integrationId: integration.id, provider: location.provider, ...this.#owner(), uri: location.uri, operation });
      throw new ReadOnlyError(
        `cannot ${operation} ${location.uri}: the URI pins ${location.version !== undefined ? 'version' : 'snapshot'} ${pinned}, and a pinned location is read-only. Use the URI without the version to ${operation} the live object.`,
        { integrationId: integration.id, uri: location.uri },
      );
    }
    if (integration.mode === 'read-write') return;
    this.#deps.emit({ type: 'write.refused', time: new Date(this.#deps.now()), integrationId: integration.id, provider: location.provider, ...this.#owner(), uri: location.uri, operation });
    throw new ReadOnlyError(
      `cannot ${operation} ${location.uri}: integration "${integration.id}" is read-only. Use a read-write integration (mode: 'read-write') for this location.`,
      { integrationId: integration.id, uri: location.uri },
    );
  }

  #traced<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return traced(name, () => this.#spanAttributes(), fn);
  }

  #spanAttributes(): Record<string, string> {
    const { integration, location } = this.#target;
    return {
      'assetlink.integration_id': integration.id, 'assetlink.provider': location.provider,
      'assetlink.bucket': location.bucket, 'assetlink.mode': integration.mode,
      ...(integration.tenant !== undefined ? { 'assetlink.tenant': integration.tenant } : {}),
    };
  }

  /** Tenant and labels of the integration, for audit events. */
  #owner(): { tenant?: string; labels?: Readonly<Record<string, string>> } {
    const { tenant, labels } = this.#target.integration;
    return { ...(tenant !== undefined ? { tenant } : {}), ...(labels !== undefined ? { labels } : {}) };
  }

  #event(type: 'asset.read' | 'asset.written' | 'asset.deleted' | 'asset.head', bytes?: number, extra: { code?: AssetLinkErrorCode; cancelled?: boolean } = {}): void {
    if (!this.#deps.listening) return;
    const { integration, location } = this.#target;
    this.#deps.emit({
      type, time: new Date(this.#deps.now()), integrationId: integration.id, provider: location.provider, ...this.#owner(), uri: location.uri,
      ...(bytes !== undefined ? { bytes } : {}), ...extra,
    });
  }
}

function checkRange(range: ByteRange, location: AssetLocation): ByteRange {
  const { start, end } = range;
  const ok = Number.isInteger(start) && start >= 0 && (end === undefined || (Number.isInteger(end) && end >= start));
  if (!ok) throw new InvalidArgumentError(`invalid range for ${location.uri}: start must be an integer ≥ 0 and end (inclusive) ≥ start`, { uri: location.uri });
  return end === undefined ? { start } : { start, end };
}
