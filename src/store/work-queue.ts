import type { Lane } from "../lane.ts";
import type { PendingAction, UserChange } from "./user-change.ts";

/**
 * The right to work on one user until `expiresAt`. `token` is a fencing token: it grows with every
 * claim store-wide, so a holder that paused past its expiry and was overtaken presents an old token,
 * and the store refuses its renew, complete, reschedule, release or dead letter.
 */
export interface Lease {
  token: number;
  expiresAt: number;
}

/** A pending user change handed to one worker. `version` tells whether newer events arrived meanwhile. */
export interface PendingWork {
  oktaUserId: string;
  action: PendingAction;
  lane: Lane;
  version: number;
  created: boolean;
  attempts: number;
  enqueuedAt: number;
  lease: Lease;
}

/**
 * What became of leased work handed back: `done` removed it; `again` kept it because newer changes
 * were folded in meanwhile (due at once, so the newest state is written next); `lost` means the lease
 * had expired or been taken, so the store changed nothing.
 */
export type LeaseOutcome = "done" | "again" | "lost";

export interface ClaimRequest {
  limit: number;
  leaseMs: number;
  /** Only this lane (the dispatcher keeps some slots for live work). */
  lane?: Lane;
}

/** One pending change per user, handed out under leases; time comes from the store's clock. */
export interface WorkQueue {
  /** Folds changes that come from no Okta event (reconcile, replays) into the queue. */
  enqueue(changes: Iterable<UserChange>): Promise<void>;
  /**
   * Leases up to `limit` due changes, live lane first, oldest first. A change is due when it is not
   * leased, or its lease has expired (whoever held it), and its backoff is over.
   */
  claim(request: ClaimRequest): Promise<PendingWork[]>;
  /** Extends the lease from now; undefined when it was lost. */
  renew(work: PendingWork, leaseMs: number): Promise<Lease | undefined>;
  /** The sync is done: removes the change unless newer changes were folded in meanwhile. */
  complete(work: PendingWork): Promise<LeaseOutcome>;
  /** Keeps the change, not to be tried before `notBefore`. `countAttempt` is false for throttling. */
  reschedule(work: PendingWork, notBefore: number, countAttempt: boolean): Promise<boolean>;
  /** Gives the lease back untouched (shutdown). False when it was lost already. */
  release(work: PendingWork): Promise<boolean>;
  /** Changes queued in one lane, leased ones included. */
  pendingInLane(lane: Lane): Promise<number>;
}
