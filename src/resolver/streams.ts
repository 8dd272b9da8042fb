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

export function normalizeBody(body: WriteBody): Uint8Array | ReadableStream<Uint8Array> {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  return body;
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
