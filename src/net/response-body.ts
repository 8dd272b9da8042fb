import type { IncomingMessage } from 'node:http';
import { TimeoutError } from '../errors.js';

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
}

/**
 * A pull-driven web stream over an HTTP response: bytes are read from the socket only as the
 * consumer asks (backpressure, never the whole object in memory). Cancelling the stream closes
 * the connection; an idle body becomes TIMEOUT.
 */
export function responseBody(response: IncomingMessage, options: BodyStreamOptions): ReadableStream<Uint8Array> {
  response.setTimeout(options.idleTimeoutMs, () => {
    response.destroy(new TimeoutError(`TIMEOUT: the response body stalled for ${options.idleTimeoutMs} ms`));
  });
  const chunks = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let skip = options.slice?.start ?? 0;
  let left = options.slice?.length ?? Infinity;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          if (left <= 0) { response.destroy(); controller.close(); return; }
          const { done, value } = await chunks.next();
          if (done) { controller.close(); return; }
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
        controller.error(options.mapError(error));
      }
    },
    cancel() {
      response.destroy();
    },
  });
}
