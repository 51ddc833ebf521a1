import type { InboxEvent } from "../store/event-inbox.ts";
import type { GroupChange } from "../store/group-queue.ts";
import type { Lane } from "../lane.ts";
import { actionFor } from "./event-actions.ts";
import type { OktaEvent } from "./event-hook-envelope.ts";

export interface ReadDelivery {
  /** Every event, for deduplication and audit, each with the change it asks for, if any. */
  events: InboxEvent[];
  /** Events the bridge does not act on (other types, failed outcomes, no User target). */
  ignored: number;
  /** Distinct users the delivery asks to change. */
  users: number;
}

/**
 * What Okta's events mean for the queue: each acted-on event becomes a change for its target user.
 * How changes fold together is the store's coalescer's business, not the hook's.
 */
export function toInboxEvents(
  events: readonly OktaEvent[],
  lane: Lane = "live",
  syncedGroups: ReadonlySet<string> = new Set(),
): ReadDelivery {
  const users = new Set<string>();
  let ignored = 0;
  const inbox = events.map((event): InboxEvent => {
    const oktaUserId = event.target?.find((t) => t.type === "User")?.id;
    const action = actionFor(event.eventType);
    const succeeded = (event.outcome?.result ?? "SUCCESS") === "SUCCESS";
    const { uuid, eventType } = event;
    const group = succeeded ? syncedGroupOf(event, syncedGroups) : undefined;
    // One object per event, built in place: a hundred thousand events a minute make every extra
    // intermediate object count.
    if (group) return { uuid, eventType, published: event.published, change: undefined, group };
    if (!action || !oktaUserId || !succeeded) {
      ignored++;
      return { uuid, eventType, published: event.published, change: undefined };
    }
    users.add(oktaUserId);
    const published = new Date(event.published).toISOString();
    const created = eventType === "user.lifecycle.create";
    return {
      uuid,
      eventType,
      published: event.published,
      change: { oktaUserId, action, lane, published, created },
    };
  });
  return { events: inbox, ignored, users: users.size };
}

/**
 * A membership event of a group SYNC_GROUPS lists: the group must be looked at again. Okta names the
 * group in the `UserGroup` target's displayName; events of other groups are ignored, never written.
 */
function syncedGroupOf(event: OktaEvent, synced: ReadonlySet<string>): GroupChange | undefined {
  if (synced.size === 0 || !MEMBERSHIP_EVENTS.has(event.eventType)) return undefined;
  const target = event.target?.find((t) => t.type === "UserGroup");
  const name = typeof target?.["displayName"] === "string" ? target["displayName"] : target?.alternateId;
  if (!target?.id || !name || !synced.has(name)) return undefined;
  return { oktaGroupId: target.id, name };
}

const MEMBERSHIP_EVENTS = new Set(["group.user_membership.add", "group.user_membership.remove"]);
