import { AbortedError } from '../errors.js';

/** ABORTED for a signal that has fired, naming what stopped. */
export function abortedError(what: string, signal: AbortSignal, uri?: string): AbortedError {
  const reason = signal.reason instanceof Error ? signal.reason.message : typeof signal.reason === 'string' ? signal.reason : '';
  const detail = reason && reason !== 'This operation was aborted' ? ` (${reason})` : '';
  return new AbortedError(`${what} was aborted by its AbortSignal${detail}`, uri !== undefined ? { uri } : {});
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string, uri?: string): void {
  if (signal?.aborted) throw abortedError(what, signal, uri);
}

/**
 * Settles with `promise`, or rejects with ABORTED as soon as `signal` fires (drivers whose SDK takes
 * no signal keep running in the background; their answer is dropped).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string, uri?: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortedError(what, signal, uri));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(abortedError(what, signal, uri));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortedError(what, signal, uri) : error);
      },
    );
  });
}
