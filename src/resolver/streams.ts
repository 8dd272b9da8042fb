import { InvalidArgumentError } from '../errors.js';
import type { WriteBody } from '../types.js';

export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) { out.set(chunk, offset); offset += chunk.byteLength; }
  return out;
}

/**
 * What drivers write: bytes, or a web stream of bytes. Strings are UTF-8 encoded; a Node `Readable`
 * (file streams, HTTP bodies), an async generator or any other `AsyncIterable` of bytes or strings
 * becomes a web stream read on demand. Anything else is INVALID_ARGUMENT, before a request is sent.
 */
export function normalizeBody(body: WriteBody): Uint8Array | ReadableStream<Uint8Array> {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'object' && body !== null) {
    if (typeof (body as ReadableStream<Uint8Array>).getReader === 'function') return body as ReadableStream<Uint8Array>;
    if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return iterableStream(body as AsyncIterable<unknown>);
  }
  throw new InvalidArgumentError('write() takes a Uint8Array (or Buffer), a string, a ReadableStream, a Node Readable or an AsyncIterable of Uint8Array chunks');
}

function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  throw new InvalidArgumentError(`write() body streams must yield Uint8Array (or Buffer) or string chunks, got ${chunk === null ? 'null' : typeof chunk}`);
}

/** A pull-based web stream over an async iterable: nothing is read ahead of the consumer. */
function iterableStream(source: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(chunkBytes(next.value));
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  }, { highWaterMark: 0 });
}

export function bytesStream(bytes: Uint8Array, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) { controller.close(); return; }
      const end = Math.min(offset + chunkSize, bytes.byteLength);
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
    },
  });
}

const asBytes = (chunk: Uint8Array | string): Uint8Array => (typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);

/**
 * A pull-based web stream over any async-iterable byte source (a Node download stream or a web
 * stream): at most one chunk is read ahead of the consumer, a failure mid-body errors the stream with
 * `mapError(error)` (never a silent truncation), and cancelling closes the source.
 * With `awaitFirstChunk`, the first chunk is read before returning, so "not found" or "denied"
 * rejects the call instead of surfacing later as a broken stream.
 */
export async function typedByteStream(
  source: AsyncIterable<Uint8Array | string>,
  mapError: (error: unknown) => Error,
  options: { awaitFirstChunk?: boolean } = {},
): Promise<ReadableStream<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: IteratorResult<Uint8Array | string> | undefined;
  if (options.awaitFirstChunk) {
    try {
      pending = await iterator.next();
    } catch (error) {
      await iterator.return?.().catch(() => undefined);
      throw mapError(error);
    }
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (next.done) controller.close();
        else controller.enqueue(asBytes(next.value));
      } catch (error) {
        controller.error(mapError(error));
      }
    },
    async cancel() {
      await iterator.return?.().catch(() => undefined);
    },
  }, { highWaterMark: 1 }); // one chunk read ahead keeps the socket busy without buffering the object
}
