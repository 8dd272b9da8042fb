export interface RetryPolicy {
  /** Total attempts including the first. Default 3. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 };

/** Capped exponential backoff with full jitter (AWS architecture blog's recommendation). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  policy?: RetryPolicy;
  /** Whether a failure is transient (throttling, 5xx, reset, timeout): only those are retried. */
  isRetryable(error: unknown): boolean;
  /** The caller's signal: once aborted, no further attempt starts and no backoff is waited out. */
  signal?: AbortSignal;
  /** The caller's deadline (epoch ms on `now`): no attempt starts, and no backoff ends, after it. */
  deadline?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told about every failed attempt (for audit events), before the backoff. */
  onFailure?(error: unknown, attempt: number, willRetry: boolean): void;
}

/**
 * Failures a retry loop already retried as far as it would: a loop around it (e.g. the credential
 * cache around a token fetch that itself needed a token) does not retry them again, so retry
 * layers never multiply. The error still says `retryable` to the caller, who may try later.
 */
const exhausted = new WeakSet<object>();

export function wasRetried(error: unknown): boolean {
  return typeof error === 'object' && error !== null && exhausted.has(error);
}

/**
 * The one bounded, jittered retry every token-service and signing call goes through (the
 * credential cache's mints, IAM signBlob): transient failures are retried up to `policy.attempts`
 * times with full-jitter exponential backoff, never past the caller's deadline or signal;
 * anything else fails at once.
 */
export async function retrying<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const retryable = options.isRetryable(error) && !wasRetried(error);
      const delay = backoffDelay(n, policy, options.random);
      const inTime = (options.deadline === undefined || now() + delay < options.deadline) && !options.signal?.aborted;
      const willRetry = retryable && n < policy.attempts && inTime;
      options.onFailure?.(error, n, willRetry);
      if (!willRetry) {
        if (retryable && typeof error === 'object' && error !== null) exhausted.add(error);
        throw error;
      }
      await abortableSleep(sleep, delay, options.signal);
      if (options.signal?.aborted) {
        if (typeof error === 'object' && error !== null) exhausted.add(error);
        throw error;
      }
    }
  }
}

/** Waits `ms`, or less when the signal aborts first. */
function abortableSleep(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => { signal.removeEventListener('abort', done); resolve(); };
    signal.addEventListener('abort', done, { once: true });
    sleep(ms).then(done, done);
  });
}
