import { AssetLinkError, InvalidArgumentError, ReadOnlyError, type AssetLinkErrorCode } from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { inspectSymbol, redactUrl } from '../redact.js';
import type { ProviderDriver, ObjectTarget } from '../resolvers/driver.js';
import type {
  AssetLocation, ByteRange, HeadResult, Mode, PresignedUrl, PresignOptions, ReadOptions, ResolvedAsset, WriteBody, WriteOptions,
} from '../types.js';
import { observeStream } from '../telemetry/observe-stream.js';
import { traced, tracedStream } from '../telemetry/otel.js';
import { collect, normalizeBody } from './streams.js';
import { checkTtl } from './ttl.js';

export interface AssetDeps {
  driver: ProviderDriver;
  target: ObjectTarget;
  emit(event: AssetLinkEvent): void;
  /** Whether anyone listens: events are not even built otherwise (presign is a hot path). */
  listening: boolean;
  now(): number;
}

/** One asset bound to the integration that covers it. Holds no credentials itself. */
export class BoundAsset implements ResolvedAsset {
  readonly location: AssetLocation;
  readonly integrationId: string;
  readonly mode: Mode;
  readonly #deps: AssetDeps;

  constructor(deps: AssetDeps) {
    this.#deps = deps;
    this.location = deps.target.location;
    this.integrationId = deps.target.integration.id;
    this.mode = deps.target.integration.mode;
  }

  head(): Promise<HeadResult> {
    return this.#traced('assetlink.head', async () => {
      const result = await this.#deps.driver.head(this.#deps.target);
      this.#event('asset.head');
      return result;
    });
  }

  read(opts: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    // The span and the asset.read event end when the stream does (bytes, mid-stream error), not here.
    return tracedStream('assetlink.read', this.#spanAttributes(), async () => {
      const range = opts.range === undefined ? undefined : checkRange(opts.range, this.location);
      return this.#deps.driver.read(this.#deps.target, range);
    }, this.#deps.listening ? (end) => this.#event('asset.read', end.bytes, {
      ...(end.error !== undefined ? { code: end.error instanceof AssetLinkError ? end.error.code : 'PROVIDER_ERROR' } : {}),
      ...(end.cancelled ? { cancelled: true } : {}),
    }) : undefined);
  }

  bytes(): Promise<Uint8Array> {
    return this.#traced('assetlink.bytes', async () => {
      const data = await collect(await this.#deps.driver.read(this.#deps.target));
      this.#event('asset.read', data.byteLength);
      return data;
    });
  }

  write(body: WriteBody, opts: WriteOptions = {}): Promise<void> {
    return this.#traced('assetlink.write', async () => {
      this.#refuseIfReadOnly('write');
      const normalized = normalizeBody(body);
      let streamed: number | undefined;
      const counted = this.#deps.listening && !(normalized instanceof Uint8Array) ? observeStream(normalized, (end) => { streamed = end.bytes; }) : normalized;
      await this.#deps.driver.write(this.#deps.target, counted, opts.contentType === undefined ? {} : { contentType: opts.contentType });
      this.#event('asset.written', normalized instanceof Uint8Array ? normalized.byteLength : streamed);
    });
  }

  delete(): Promise<void> {
    return this.#traced('assetlink.delete', async () => {
      this.#refuseIfReadOnly('delete');
      await this.#deps.driver.delete(this.#deps.target);
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
    const driver = this.#deps.driver;
    const ttlSeconds = checkTtl(opts.ttlSeconds, driver.maxPresignTtlSeconds, opts.clamp === true, `${driver.provider} presigned URLs`);
    const presigned = await driver.presign(this.#deps.target, {
      method, ttlSeconds, clamp: opts.clamp === true, ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
    });
    if (this.#deps.listening) {
      const now = this.#deps.now();
      this.#deps.emit({
        type: 'presign.issued', time: new Date(now), integrationId: this.integrationId, provider: this.location.provider,
        uri: this.location.uri, method, ttlSeconds: Math.round((presigned.expiresAt.getTime() - now) / 1000), expiresAt: presigned.expiresAt,
      });
    }
    return presigned;
  }

  toJSON(): Record<string, unknown> {
    return { location: { ...this.location, uri: redactUrl(this.location.uri) }, integrationId: this.integrationId, mode: this.mode };
  }

  [inspectSymbol](): string { return `ResolvedAsset ${JSON.stringify(this.toJSON())}`; }

  #refuseIfReadOnly(operation: string): void {
    if (this.mode === 'read-write') return;
    this.#deps.emit({ type: 'write.refused', time: new Date(this.#deps.now()), integrationId: this.integrationId, provider: this.location.provider, uri: this.location.uri, operation });
    throw new ReadOnlyError(
      `cannot ${operation} ${this.location.uri}: integration "${this.integrationId}" is read-only. Use a read-write integration (mode: 'read-write') for this location.`,
      { integrationId: this.integrationId, uri: this.location.uri },
    );
  }

  #traced<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return traced(name, this.#spanAttributes(), fn);
  }

  #spanAttributes(): Record<string, string> {
    return {
      'assetlink.integration_id': this.integrationId, 'assetlink.provider': this.location.provider,
      'assetlink.bucket': this.location.bucket, 'assetlink.mode': this.mode,
    };
  }

  #event(type: 'asset.read' | 'asset.written' | 'asset.deleted' | 'asset.head', bytes?: number, extra: { code?: AssetLinkErrorCode; cancelled?: boolean } = {}): void {
    if (!this.#deps.listening) return;
    this.#deps.emit({
      type, time: new Date(this.#deps.now()), integrationId: this.integrationId, provider: this.location.provider, uri: this.location.uri,
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
