import { actionFor } from "../okta/event-actions.ts";
import type { OktaEvent } from "../okta/event-hook-envelope.ts";
import type { EventRecord, Lane, UserChange } from "../store/store.ts";

export interface CoalescedDelivery {
  /** Every event, for deduplication and audit. */
  events: EventRecord[];
  /** One change per user, however many events the delivery held for that user. */
  changes: Map<string, UserChange>;
  /** Events the bridge does not act on (other types, failed outcomes, no User target). */
  ignored: number;
}

/**
 * Folds a delivery's events into one pending change per user. The store folds those into the
 * user's pending row the same way, so N events for a user, in one delivery or many, cost one sync.
 */
export function coalesce(events: readonly OktaEvent[], lane: Lane = "live"): CoalescedDelivery {
  const records: EventRecord[] = [];
  const changes = new Map<string, UserChange>();
  let ignored = 0;
  for (const event of events) {
    const userId = event.target?.find((t) => t.type === "User")?.id;
    const action = actionFor(event.eventType);
    const succeeded = (event.outcome?.result ?? "SUCCESS") === "SUCCESS";
    records.push({
      uuid: event.uuid,
      eventType: event.eventType,
      // Only events the bridge acts on name a user: the store counts those as queued.
      oktaUserId: action && succeeded ? userId : undefined,
      published: event.published,
    });
    if (!action || !userId || !succeeded) {
      ignored++;
      continue;
    }
    const published = new Date(event.published).toISOString();
    const previous = changes.get(userId);
    changes.set(userId, {
      oktaUserId: userId,
      action: previous?.action === "delete" || action === "delete" ? "delete" : "sync",
      lane,
      published: previous && previous.published > published ? previous.published : published,
      created: (previous?.created ?? false) || event.eventType === "user.lifecycle.create",
    });
  }
  return { events: records, changes, ignored };
}
