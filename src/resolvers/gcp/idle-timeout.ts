import type { Readable } from 'node:stream';

/**
 * Fails a download whose body stops arriving while the consumer waits for it.
 *
 * @google-cloud/storage downloads through node-fetch v2, which pipes the HTTP response into a
 * PassThrough and never forwards the response's error: when the connection drops mid-body on a
 * response with a Content-Length, the stream neither errors nor ends, it just stops; and the
 * SDK's `timeout` covers the wait for the response headers, not the body. Without this guard
 * such a read hangs forever.
 *
 * The clock runs only once `armOn` has been emitted (the SDK's 'response': before it, the SDK's
 * own timeout and retries are in charge) and only while a `next()` is waiting (a consumer that
 * reads slowly is not a stall). On expiry the source is destroyed and `next()` rejects with an
 * error named `TimeoutError`.
 */
export function withIdleTimeout(source: Readable, idleMs: number, describe: string, armOn = 'response'): AsyncIterable<Uint8Array | string> {
  let armed = false;
  let onArmed: (() => void) | undefined;
  source.once(armOn, () => { armed = true; onArmed?.(); });
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array | string> {
      const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
      return {
        next() {
          let timer: NodeJS.Timeout | undefined;
          const stalled = new Promise<never>((_, reject) => {
            const start = (): void => {
              timer = setTimeout(() => {
                const error = Object.assign(new Error(`${describe}: no data for ${idleMs} ms mid-download (connection lost or stalled)`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
                source.destroy(error);
                reject(error);
              }, idleMs);
            };
            if (armed) start();
            else onArmed = start;
          });
          return Promise.race([iterator.next(), stalled]).finally(() => {
            clearTimeout(timer);
            onArmed = undefined;
          });
        },
        async return() {
          source.destroy();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
