import type { GroupChange } from "./group-queue.ts";
import type { UserChange } from "./user-change.ts";

/** One event of a delivery as the inbox keeps it: for deduplication, audit and the change it causes. */
export interface InboxEvent {
  uuid: string;
  eventType: string;
  published: string;
  /** What the event asks of its user; undefined for events the bridge does not act on. */
  change: UserChange | undefined;
  /** A membership event of a synced group: the group must be looked at again. */
  group?: GroupChange;
}

/** One Okta POST: its envelope `eventId` (recorded with each event) and its events. */
export interface InboxDelivery {
  id: string;
  events: readonly InboxEvent[];
}

export interface AcceptResult {
  /** Events not seen before. */
  stored: number;
  /** Of those, the events that ask for a change (the rest are types the bridge ignores). */
  queued: number;
  /** Events whose uuid was already stored (Okta redelivers at least once). */
  duplicates: number;
}

/** Where Okta's deliveries land. */
export interface EventInbox {
  /**
   * Durably records a delivery's events and folds the changes of the events not seen before into the
   * work queue, atomically: when this resolves, the delivery may be acknowledged to Okta. An event
   * whose uuid is already stored is skipped with its change, whichever delivery brought it.
   */
  accept(delivery: InboxDelivery): Promise<AcceptResult>;
}
