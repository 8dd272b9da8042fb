import type { Readable } from 'node:stream';

/**
 * Turns a Node download stream into a web ReadableStream, reading its first chunk before
 * returning so that "not found" or "denied" rejects the call instead of surfacing later as a
 * broken stream. Later failures error the web stream (mapped by `mapError`). Pull-based: nothing
 * is read ahead of the consumer, and cancelling destroys the download.
 */
export async function toWebStreamAfterFirstChunk(
  node: Readable,
  mapError: (error: unknown) => Error,
): Promise<ReadableStream<Uint8Array>> {
  const iterator = node[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const asBytes = (chunk: Buffer | string): Uint8Array => (typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  let first: IteratorResult<Buffer | string>;
  try {
    first = await iterator.next();
  } catch (error) {
    node.destroy();
    throw mapError(error);
  }
  let pending: IteratorResult<Buffer | string> | undefined = first;
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
    cancel(reason) {
      node.destroy(reason instanceof Error ? reason : undefined);
    },
  }, { highWaterMark: 0 });
}

/**
 * Reads from `reader` until more than `limit` bytes are buffered or the stream ends. Returns the
 * bytes read and whether the stream ended: small bodies become one request, large ones resumable.
 */
export async function readUpTo(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<{ chunks: Uint8Array[]; size: number; ended: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const { done, value } = await reader.read();
    if (done) return { chunks, size, ended: true };
    if (value.byteLength === 0) continue;
    chunks.push(value);
    size += value.byteLength;
  }
  return { chunks, size, ended: false };
}

export function concat(chunks: Uint8Array[], size: number): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)), size);
}
