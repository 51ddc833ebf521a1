import type { Lease, LeaseOutcome } from "./work-queue.ts";

/** A membership change in a synced Okta group, as an event asks for it. Events name the group, not the members. */
export interface GroupChange {
  oktaGroupId: string;
  /** The Okta group's name (SYNC_GROUPS lists names). */
  name: string;
}

/** A group whose membership must be brought to Okta's, leased to one worker. */
export interface PendingGroupWork {
  oktaGroupId: string;
  name: string;
  /** Bumped by every change folded in: a worker that read an older membership must sync once more. */
  version: number;
  attempts: number;
  /** When the group was first queued (later changes do not move it): lets a burst settle first. */
  enqueuedAt: number;
  lease: Lease;
}

/**
 * One pending row per group, however many membership events arrive: the group's whole membership is
 * read at sync time, so the events only say "look again". Leases are fenced like the user queue's.
 */
export interface GroupQueue {
  enqueueGroups(changes: Iterable<GroupChange>): Promise<void>;
  /** Leases up to `limit` due groups, oldest first. */
  claimGroups(request: { limit: number; leaseMs: number }): Promise<PendingGroupWork[]>;
  /** Removes the group unless changes were folded in meanwhile (`again`: due at once). */
  completeGroup(work: PendingGroupWork): Promise<LeaseOutcome>;
  rescheduleGroup(work: PendingGroupWork, notBefore: number, countAttempt: boolean): Promise<boolean>;
  releaseGroup(work: PendingGroupWork): Promise<boolean>;
  pendingGroups(): Promise<number>;
}
