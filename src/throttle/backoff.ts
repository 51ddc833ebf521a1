import type { Clock } from "../clock.ts";
import { RetryLaterError } from "../errors.ts";

/**
 * "Full jitter" backoff, U(0, min(cap, base·2^attempt)): of the usual schedules it spreads
 * contending retries best (AWS Architecture Blog, "Exponential Backoff And Jitter"); decorrelated
 * jitter collapses onto the cap once it gets there. `attempt` counts from 0.
 */
export function fullJitterBackoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return random() * ceiling;
}

export interface RetryOptions {
  /** Tries in all, the first one included. */
  maxAttempts: number;
  /** Full-jitter backoff between tries (see fullJitterBackoffMs). */
  baseMs: number;
  capMs: number;
  clock: Pick<Clock, "now" | "sleep">;
  /** Stops the waiting and the next try (rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
  random?: () => number;
  /** Whether a failure is worth another try; default every failure. */
  retryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log the failure. */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/**
 * Calls `attempt` (numbered from 1) until it resolves. After a retryable failure it waits until the
 * error's `retryAt` when it names one (a RetryLaterError: the upstream said when), else a full-jitter
 * backoff; after `maxAttempts` tries the last error is thrown.
 */
export async function retryWithBackoff<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { clock, signal } = options;
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.maxAttempts || !(options.retryable?.(error) ?? true)) throw error;
      const waitMs =
        error instanceof RetryLaterError && error.retryAt !== undefined
          ? Math.max(0, error.retryAt - clock.now())
          : fullJitterBackoffMs(n - 1, options.baseMs, options.capMs, options.random);
      options.onRetry?.(error, n, waitMs);
      await clock.sleep(waitMs, signal);
    }
  }
}
