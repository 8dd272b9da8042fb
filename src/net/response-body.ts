import type { IncomingMessage } from 'node:http';
import { pipeline, Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ProviderError, TimeoutError } from '../errors.js';
import type { Deadline } from './deadline.js';

export interface BodyStreamOptions {
  /** Destroy the body if no bytes arrive for this long, ms. */
  idleTimeoutMs: number;
  /**
   * Bytes to keep, when the server ignored a Range header and sent the whole object (200): skip
   * `start` bytes, then stop after `length` (all the rest when undefined).
   */
  slice?: { start: number; length?: number };
  /** Turns a socket failure mid-body into the caller's error type. */
  mapError(error: unknown): unknown;
  /** Most bytes this body may produce, decoded (and on the wire); Infinity for no limit. */
  maxBytes: number;
  /** The error for a body past `maxBytes`. */
  tooLarge(): Error;
  /** The request's overall deadline: a body still arriving when it fires fails with its reason. Cleared when the body ends. */
  deadline?: Deadline;
  /** Content codings the server applied, in order (`Content-Encoding`), to undo: gzip, deflate, br. */
  encodings?: string[];
}

const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};
const MAX_CODINGS = 3;

/**
 * The content codings of a response, lower-cased, `identity` dropped; PROVIDER_ERROR for one that
 * cannot be decoded (assetlink asks for `identity`, so a server that encodes anyway must use one
 * it can undo, or the caller would get encoded bytes it never asked for).
 */
export function contentCodings(response: IncomingMessage, display: string): string[] {
  const raw = response.headers['content-encoding'];
  if (raw === undefined) return [];
  const codings = raw.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length > MAX_CODINGS) throw new ProviderError(`PROVIDER_ERROR: ${display} answered with ${codings.length} stacked content codings; at most ${MAX_CODINGS} are decoded`);
  const unknown = codings.find((c) => !(c in DECODERS));
  if (unknown !== undefined) throw new ProviderError(`PROVIDER_ERROR: ${display} answered with Content-Encoding "${unknown.slice(0, 40)}", which assetlink cannot decode (it asks for identity)`);
  return codings;
}

/** Counts bytes as they pass and fails the stream once there are more than `max`. */
function byteLimit(max: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.byteLength;
      if (seen > max) done(tooLarge());
      else done(null, chunk);
    },
  });
}

/**
 * A pull-driven web stream over an HTTP response: bytes are read from the socket only as the
 * consumer asks (backpressure, never the whole object in memory). Cancelling the stream closes
 * the connection; an idle body becomes TIMEOUT; a body still arriving at the deadline fails with
 * the deadline's TIMEOUT; a body (decoded) larger than `maxBytes` fails with `tooLarge()`.
 */
export function responseBody(response: IncomingMessage, options: BodyStreamOptions): ReadableStream<Uint8Array> {
  response.setTimeout(options.idleTimeoutMs, () => {
    response.destroy(new TimeoutError(`TIMEOUT: the response body stalled for ${options.idleTimeoutMs} ms`));
  });
  const codings = options.encodings ?? [];
  // Undo the codings in reverse order of application; the wire bytes are limited before decoding too.
  const source: Readable = codings.length === 0
    ? response
    : (pipeline as unknown as (...streams: Array<Readable | Transform | ((error: unknown) => void)>) => Readable)(
      response, byteLimit(options.maxBytes, options.tooLarge), ...codings.slice().reverse().map((c) => DECODERS[c]!()), () => undefined,
    );
  const deadline = options.deadline;
  let finished = false;
  const onDeadline = (): void => {
    // A body that has fully arrived is not "still arriving": the consumer may finish it at its own pace.
    if (response.complete) return;
    const reason = deadline!.signal.reason as Error;
    response.destroy(reason);
    if (source !== response) source.destroy(reason);
  };
  const finish = (): void => {
    if (finished) return;
    finished = true;
    deadline?.signal.removeEventListener('abort', onDeadline);
    deadline?.clear();
  };
  const destroyAll = (error?: Error): void => {
    response.destroy(error);
    if (source !== response) source.destroy(error);
  };
  if (deadline?.signal.aborted) onDeadline();
  else deadline?.signal.addEventListener('abort', onDeadline, { once: true });

  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let skip = options.slice?.start ?? 0;
  let left = options.slice?.length ?? Infinity;
  let produced = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          if (left <= 0) { destroyAll(); finish(); controller.close(); return; }
          const { done, value } = await chunks.next();
          if (done) { finish(); controller.close(); return; }
          produced += value.byteLength;
          if (produced > options.maxBytes) throw options.tooLarge();
          let chunk = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.byteLength);
            skip -= dropped;
            chunk = chunk.subarray(dropped);
          }
          if (chunk.byteLength > left) chunk = chunk.subarray(0, left);
          left -= chunk.byteLength;
          if (chunk.byteLength > 0) { controller.enqueue(chunk); return; }
        }
      } catch (error) {
        destroyAll();
        finish();
        controller.error(options.mapError(error));
      }
    },
    cancel() {
      destroyAll();
      finish();
    },
  });
}
