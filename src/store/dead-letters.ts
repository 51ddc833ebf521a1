import type { PendingAction } from "./user-change.ts";
import type { LeaseOutcome, PendingWork } from "./work-queue.ts";

export interface DeadLetter {
  oktaUserId: string;
  action: PendingAction;
  status: number | undefined;
  reason: string;
  attempts: number;
  at: number;
}

/** Changes that cannot succeed until something changes; a newer change for the user revives them. */
export interface DeadLetters {
  /**
   * Parks the leased change with the reason (`done`). Only the version that failed is parked: when
   * newer changes were folded in meanwhile they get their own try (`again`). Fenced like `complete`.
   */
  deadLetter(
    work: PendingWork,
    status: number | undefined,
    reason: string,
    at: number,
  ): Promise<LeaseOutcome>;
  /** Oldest first. */
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Moves dead letters back to the live queue (all when `oktaUserId` is undefined). Returns how many. */
  retryDeadLetters(oktaUserId: string | undefined, at: number): Promise<number>;
}
