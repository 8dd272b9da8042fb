/** How an observed stream ended: read to the end, failed (with the error), or cancelled by its reader. */
export interface StreamOutcome { bytes: number; error?: unknown; cancelled?: boolean }

/**
 * Passes `source` through unchanged and calls `onEnd` once, when it has been read to the end, failed
 * mid-stream, or been cancelled — with the number of bytes that went through. Reads nothing ahead.
 */
export function observeStream(source: ReadableStream<Uint8Array>, onEnd: (outcome: StreamOutcome) => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let bytes = 0;
  let ended = false;
  const end = (outcome: StreamOutcome): void => {
    if (ended) return;
    ended = true;
    try { onEnd(outcome); } catch { /* an observer must not break the stream */ }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        end({ bytes, error });
        controller.error(error);
        return;
      }
      if (next.done) {
        end({ bytes });
        controller.close();
        return;
      }
      bytes += next.value.byteLength;
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      end({ bytes, cancelled: true });
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
