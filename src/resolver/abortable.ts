import { AssetLinkError } from '../errors.js';
import { abortedError, raceAbort, throwIfAborted } from '../list/abort.js';

/**
 * AbortSignal plumbing for asset operations. Drivers get the signal and stop their requests (and
 * clean up: an aborted upload aborts its multipart upload or resumable session); this layer makes
 * whatever they fail with afterwards an `ABORTED` error. It waits for the driver rather than racing
 * it, so when a write's promise settles the cleanup has happened too.
 */
export async function abortable<T>(signal: AbortSignal | undefined, what: string, uri: string, run: () => Promise<T>, options: { race?: boolean } = {}): Promise<T> {
  if (!signal) return run();
  throwIfAborted(signal, what, uri);
  try {
    // Reads race the signal (nothing to clean up; a driver whose SDK takes no signal is left to finish in the background).
    return await (options.race ? raceAbort(run(), signal, what, uri) : run());
  } catch (error) {
    if (signal.aborted && !(error instanceof AssetLinkError && error.code === 'ABORTED')) {
      const aborted = abortedError(what, signal, uri);
      Object.defineProperty(aborted, 'cause', { value: error, enumerable: false, configurable: true });
      throw aborted;
    }
    throw error;
  }
}

/** A body stream that errors with ABORTED (and cancels its source) when `signal` fires mid-read. */
export function abortableStream(source: ReadableStream<Uint8Array>, signal: AbortSignal | undefined, what: string, uri: string): ReadableStream<Uint8Array> {
  if (!signal) return source;
  const reader = source.getReader();
  let onAbort: (() => void) | undefined;
  const stop = (): void => { if (onAbort) signal.removeEventListener('abort', onAbort); };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      onAbort = () => {
        controller.error(abortedError(what, signal, uri));
        reader.cancel(signal.reason).catch(() => undefined);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (signal.aborted) return;
        if (done) { stop(); controller.close(); return; }
        controller.enqueue(value);
      } catch (error) {
        stop();
        controller.error(signal.aborted ? abortedError(what, signal, uri) : error);
      }
    },
    cancel(reason) {
      stop();
      return reader.cancel(reason);
    },
  });
}
