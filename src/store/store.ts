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
  /** Leases up to `limit` due changes, live lane first, oldest first, skipping users already leased. */
  claim(limit: number, now: number, leaseMs: number): Promise<PendingWork[]>;
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
  /** True when the store can take writes now (readiness). */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}
