import type { Readable } from 'node:stream';

/**
 * A pull-based web stream over the SDK's Node stream (one chunk in flight: backpressure reaches the
 * socket). A failure mid-body errors the stream with a typed AssetLinkError.
 */
export function webStream(body: Readable, mapError: (error: unknown) => Error): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(mapError(error));
      }
    },
    cancel() {
      body.destroy();
    },
  }, { highWaterMark: 0 });
}
