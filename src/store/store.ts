/**
 * The durable side of the bridge, behind an interface of its own so that a Redis-backed store (for
 * several replicas sharing one quota) can stand in for the embedded SQLite one. Methods are async
 * for that reason even though SQLite answers synchronously.
 */

/** live = Okta events; bulk = reconcile work. Live work is always claimed first. */
export type Lane = "live" | "bulk";

/** What must happen to a user: bring Genesys to Okta's current state, or delete the Genesys user. */
export type PendingAction = "sync" | "delete";

/** One user's coalesced change, as the coalescer hands it to the store. */
export interface UserChange {
  oktaUserId: string;
  action: PendingAction;
  lane: Lane;
  /** Newest `published` time among the events merged into this change (ISO). */
  published: string;
  /** The change includes a user.lifecycle.create: the user is most likely new to Genesys. */
  created: boolean;
}

/** An event as recorded for deduplication and audit. */
export interface EventRecord {
  uuid: string;
  eventType: string;
  oktaUserId: string | undefined;
  published: string;
}

export interface AcceptResult {
  /** Events not seen before. */
  stored: number;
  /** Of those, the events that name a user to sync (the rest are types the bridge ignores). */
  queued: number;
  /** Events whose uuid was already stored (Okta redelivers at least once). */
  duplicates: number;
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
}

/** What the bridge knows of a user in Genesys. */
export interface UserRecord {
  oktaUserId: string;
  genesysId: string | undefined;
  /** Hash of the last SCIM body written, so that an unchanged profile costs no request. */
  bodyHash: string | undefined;
  deleted: boolean;
}

export interface DeadLetter {
  oktaUserId: string;
  action: PendingAction;
  status: number | undefined;
  reason: string;
  attempts: number;
  at: number;
}

/** A reconcile run as the store keeps it. The checkpoint and the report are the reconciler's own JSON. */
export interface ReconcileRunRecord {
  id: string;
  startedAt: number;
  finishedAt: number | undefined;
  /** Phase, cursors and counters, saved after every page so that a crash resumes there. */
  checkpoint: string;
  report: string | undefined;
}

/** One Genesys user as a reconcile run listed it, and whether an Okta user has claimed it yet. */
export interface ReconcileSnapshotUser {
  genesysId: string;
  json: string;
  matched: boolean;
}

/** What comparing one Okta page produced. */
export interface ReconcileOktaPage {
  changes: readonly UserChange[];
  users: readonly UserRecord[];
  matchedGenesysIds: readonly string[];
  checkpoint: string;
}

export interface PendingStats {
  pending: number;
  oldestEnqueuedAt: number | undefined;
  deadLetters: number;
}

export interface Store {
  /**
   * Durably records a delivery's events and the coalesced user changes they cause, in one
   * transaction: when this resolves, the delivery may be acknowledged to Okta. Events already
   * stored are skipped, and so are their changes.
   */
  accept(
    deliveryId: string,
    events: readonly EventRecord[],
    changes: ReadonlyMap<string, UserChange>,
  ): Promise<AcceptResult>;
  /** Queues changes that come from no Okta event (reconcile, replays). */
  enqueue(changes: Iterable<UserChange>): Promise<void>;
  /**
   * Leases up to `limit` due changes, live lane first, oldest first, skipping users already leased.
   * `lane` limits the claim to that lane (the dispatcher keeps some slots for live work).
   */
  claim(limit: number, now: number, leaseMs: number, lane?: Lane): Promise<PendingWork[]>;
  /** The work is done: removes the change unless newer events arrived meanwhile. True when removed. */
  complete(work: PendingWork): Promise<boolean>;
  /** Keeps the change, not to be tried before `notBefore`. `countAttempt` is false for throttling. */
  reschedule(work: PendingWork, notBefore: number, countAttempt: boolean): Promise<void>;
  /** Gives the lease back untouched (shutdown). */
  release(work: PendingWork): Promise<void>;
  /** Parks a change that cannot succeed until something changes; a newer event for the user revives it. */
  deadLetter(work: PendingWork, status: number | undefined, reason: string, now: number): Promise<void>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Moves dead letters back to the pending queue (all when `oktaUserId` is undefined). Returns how many. */
  retryDeadLetters(oktaUserId: string | undefined, now: number): Promise<number>;
  getUser(oktaUserId: string): Promise<UserRecord | undefined>;
  saveUser(record: UserRecord): Promise<void>;
  stats(): Promise<PendingStats>;
  /** Changes queued in one lane, leased ones included. */
  pendingInLane(lane: Lane): Promise<number>;

  // Reconcile runs. Each page a run reads is saved with the cursor after it, so a crash resumes there.
  /** The run that has not finished, if any (there is at most one). */
  unfinishedReconcileRun(): Promise<ReconcileRunRecord | undefined>;
  /** The newest run, finished or not. */
  latestReconcileRun(): Promise<ReconcileRunRecord | undefined>;
  /** Records a new run; an unfinished earlier run and its snapshot are dropped. */
  beginReconcileRun(id: string, startedAt: number, checkpoint: string): Promise<void>;
  saveReconcileCheckpoint(id: string, checkpoint: string): Promise<void>;
  /** Adds one page of the Genesys listing to the run's snapshot and saves the checkpoint after it, atomically. */
  addReconcileGenesysPage(
    id: string,
    users: readonly Omit<ReconcileSnapshotUser, "matched">[],
    checkpoint: string,
  ): Promise<void>;
  reconcileSnapshot(id: string): Promise<ReconcileSnapshotUser[]>;
  /**
   * One Okta page compared, atomically: its changes queued, the user records it learned saved (one
   * transaction for the page, not one per user), the Genesys users it matched marked, the checkpoint saved.
   */
  commitReconcileOktaPage(id: string, page: ReconcileOktaPage): Promise<void>;
  /** The run is over: its report is kept, its snapshot dropped. */
  finishReconcileRun(id: string, finishedAt: number, report: string): Promise<void>;
  /** True when the store can take writes now (readiness). */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}
