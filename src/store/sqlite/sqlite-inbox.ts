import type { Database } from "better-sqlite3";
import type { AcceptResult, EventInbox, InboxDelivery } from "../event-inbox.ts";
import { createGroupCommit } from "../group-commit.ts";
import { durably } from "./durably.ts";
import type { GroupChange } from "../group-queue.ts";
import type { UserChange } from "../user-change.ts";

/** How long event uuids are kept for deduplication: Okta retries within seconds, deliveries may lag hours. */
const EVENT_RETENTION_MS = 3 * 24 * 3600_000;

/**
 * The inbox on SQLite. Deliveries that arrive while a commit is under way share the next transaction
 * (group commit): each durable commit costs an fsync (about 6 ms here, with the event loop blocked),
 * and one fsync for sixteen deliveries is what lets the hook take thousands of events a second. Each
 * delivery is answered only after the commit that holds it.
 */
export function createSqliteInbox(
  db: Database,
  now: () => number,
  foldIntoPending: (changes: Iterable<UserChange>, at: number) => void,
  foldGroups: (changes: Iterable<GroupChange>, at: number) => void = () => undefined,
): EventInbox {
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (uuid, delivery_id, event_type, okta_user_id, published, received_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const pruneEvents = db.prepare("DELETE FROM events WHERE received_at < ?");
  let lastPrune = 0;

  const commitTx = db.transaction((deliveries: readonly InboxDelivery[]): AcceptResult[] => {
    const at = now();
    const fresh: UserChange[] = [];
    const groups: GroupChange[] = [];
    const results = deliveries.map((delivery) => {
      let stored = 0;
      let queued = 0;
      for (const e of delivery.events) {
        const userId = e.change?.oktaUserId ?? null;
        if (insertEvent.run(e.uuid, delivery.id, e.eventType, userId, e.published, at).changes === 0)
          continue;
        stored++;
        if (e.change) {
          queued++;
          fresh.push(e.change);
        }
        if (e.group) {
          if (!e.change) queued++;
          groups.push(e.group);
        }
      }
      return { stored, queued, duplicates: delivery.events.length - stored };
    });
    foldIntoPending(fresh, at);
    foldGroups(groups, at);
    if (at - lastPrune > 3600_000) {
      lastPrune = at;
      pruneEvents.run(at - EVENT_RETENTION_MS);
    }
    return results;
  });

  return { accept: createGroupCommit(durably(db, commitTx)) };
}
