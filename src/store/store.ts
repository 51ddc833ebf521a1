import type { DeadLetters } from "./dead-letters.ts";
import type { EventInbox } from "./event-inbox.ts";
import type { GroupQueue } from "./group-queue.ts";
import type { ReconcileRuns } from "./reconcile-runs.ts";
import type { UserRecords } from "./user-records.ts";
import type { WorkQueue } from "./work-queue.ts";

export type { PendingAction, UserChange } from "./user-change.ts";
export type { AcceptResult, EventInbox, InboxDelivery, InboxEvent } from "./event-inbox.ts";
export type { ClaimRequest, Lease, LeaseOutcome, PendingWork, WorkQueue } from "./work-queue.ts";
export type { UserRecord, UserRecords } from "./user-records.ts";
export type { GroupChange, GroupQueue, PendingGroupWork } from "./group-queue.ts";
export type { DeadLetter, DeadLetters } from "./dead-letters.ts";
export type {
  ReconcileOktaPage,
  ReconcileRunRecord,
  ReconcileRuns,
  ReconcileSnapshotUser,
} from "./reconcile-runs.ts";

export interface PendingStats {
  pending: number;
  oldestEnqueuedAt: number | undefined;
  deadLetters: number;
}

/**
 * The durable side of the bridge: the composition of its concepts, each a small interface of its own,
 * so that the embedded SQLite store and a Redis store for several replicas are interchangeable (both
 * pass test/support/store-contract.ts). Methods are async for Redis even though SQLite answers at once.
 * Every store takes a clock: lease expiry, backoff and enqueue times are read from it.
 */
export interface Store extends EventInbox, WorkQueue, UserRecords, DeadLetters, ReconcileRuns, GroupQueue {
  stats(): Promise<PendingStats>;
  /** True when the store can take writes now (readiness). */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}
