import { RetryLaterError } from "../errors.ts";
import { retryWithBackoff } from "../throttle/backoff.ts";
import type { RunContext } from "./reconcile-session.ts";

/**
 * One listing page, Okta's or Genesys'. Throttling and outages are waited out (the controller has
 * retried already; this outlasts a longer outage, up to `maxPageAttempts`); a permanent error ends
 * the run, which resumes from its checkpoint next time.
 */
export function listingPage<T>(
  ctx: Pick<RunContext, "clock" | "log" | "maxPageAttempts">,
  what: string,
  send: () => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  return retryWithBackoff(send, {
    maxAttempts: ctx.maxPageAttempts,
    baseMs: 1_000,
    capMs: 60_000,
    clock: ctx.clock,
    signal,
    retryable: (error) => error instanceof RetryLaterError,
    onRetry: (error, attempt, waitMs) => {
      ctx.log.warn(
        { what, attempt, waitMs, reason: (error as Error).message },
        "reconcile listing will retry",
      );
    },
  });
}
