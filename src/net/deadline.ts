import { TimeoutError } from '../errors.js';

/** One overall deadline for a request: redirects, headers and body together. */
export interface Deadline {
  /** Aborts with TIMEOUT at the deadline, or with the parent's reason when the parent aborts. */
  readonly signal: AbortSignal;
  /** Milliseconds left (Infinity without a deadline). */
  remainingMs(): number;
  /** Stops the timer; call when the request is over (body read, cancelled or failed). */
  clear(): void;
}

/**
 * Starts a deadline of `ms` (Infinity: none). The timer is unref'd: a pending deadline never keeps
 * the process alive by itself.
 */
export function startDeadline(ms: number, parent: AbortSignal | undefined, what: string): Deadline {
  const controller = new AbortController();
  const endsAt = Date.now() + ms;
  const timer = Number.isFinite(ms)
    ? setTimeout(() => {
      controller.abort(new TimeoutError(`TIMEOUT: ${what} did not complete within ${ms} ms (platform.https.deadlineMs)`));
    }, ms)
    : undefined;
  timer?.unref();
  const onParent = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    remainingMs: () => (Number.isFinite(ms) ? Math.max(0, endsAt - Date.now()) : Number.POSITIVE_INFINITY),
    clear: () => {
      if (timer !== undefined) clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
