import { PermanentError, RetryLaterError, ThrottledError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { PendingWork, Store } from "../store/store.ts";
import { fullJitterBackoffMs } from "../throttle/backoff.ts";

export interface SyncFailureDeps {
  store: Pick<Store, "deadLetter" | "reschedule">;
  log: Logger;
  metrics?: Metrics | undefined;
  /** Unexpected errors (not transient, not permanent) dead-letter after this many tries. */
  maxUnexpectedAttempts: number;
}

/** A user's retries back off from a second up to five minutes, spread so a burst of failures does not return as one. */
const retryDelayMs = (work: PendingWork) => fullJitterBackoffMs(work.attempts, 1_000, 300_000, Math.random);

/**
 * What becomes of a user whose sync threw; the error's class decides (errors.ts): a permanent error
 * is parked as a dead letter with its reason, a retry-later one waits for its time (throttling does
 * not count as the user's attempt), anything else is retried with backoff a bounded number of times.
 */
export async function settleFailedSync(
  work: PendingWork,
  error: unknown,
  now: number,
  deps: SyncFailureDeps,
) {
  const { store, log, metrics } = deps;
  if (error instanceof PermanentError) {
    metrics?.syncs.inc({ result: "dead_letter" });
    log.warn(
      { user: work.oktaUserId, status: error.upstreamStatus, reason: error.message },
      "user dead-lettered",
    );
    await store.deadLetter(work, error.upstreamStatus, error.message, now);
    return;
  }
  if (error instanceof RetryLaterError) {
    metrics?.syncs.inc({ result: "retry" });
    const notBefore = error.retryAt ?? now + retryDelayMs(work);
    log.info(
      { user: work.oktaUserId, reason: error.message, retryInMs: notBefore - now },
      "user sync will retry",
    );
    await store.reschedule(work, notBefore, !(error instanceof ThrottledError));
    return;
  }
  if (work.attempts + 1 >= deps.maxUnexpectedAttempts) {
    metrics?.syncs.inc({ result: "dead_letter" });
    log.error({ user: work.oktaUserId, err: error }, "user dead-lettered after repeated unexpected errors");
    await store.deadLetter(work, undefined, `unexpected error: ${(error as Error).message}`, now);
    return;
  }
  metrics?.syncs.inc({ result: "retry" });
  log.error({ user: work.oktaUserId, err: error }, "user sync failed unexpectedly; will retry");
  await store.reschedule(work, now + retryDelayMs(work), true);
}
