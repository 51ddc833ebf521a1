import type { Database } from "better-sqlite3";
import type { AcceptResult, EventInbox, InboxDelivery } from "../event-inbox.ts";
import { createGroupCommit } from "../group-commit.ts";
import type { GroupChange } from "../group-queue.ts";
import type { UserChange } from "../user-change.ts";
import type { WalSync } from "./wal-sync.ts";

/** How long event uuids are kept for deduplication: Okta retries within seconds, deliveries may lag hours. */
const EVENT_RETENTION_MS = 3 * 24 * 3600_000;

/**
 * The inbox on SQLite. Deliveries that arrive while a commit is under way share the next transaction
 * (group commit), and each is answered only after a sync of the WAL that began after its commit
 * (wal-sync.ts): the sync runs off the event loop, so the hook goes on reading requests meanwhile,
 * and one sync serves every delivery committed before it started.
 */
export function createSqliteInbox(
  db: Database,
  now: () => number,
  walSync: WalSync,
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

  const commitDeliveries = createGroupCommit((batch: readonly InboxDelivery[]) => {
    const results = commitTx(batch);
    const synced = walSync.afterCommit();
    // Every caller awaits it below; this only keeps a failure that comes first from counting as unhandled.
    synced.catch(() => undefined);
    return results.map((result) => ({ result, synced }));
  });
  return {
    async accept(delivery) {
      const { result, synced } = await commitDeliveries(delivery);
      await synced;
      return result;
    },
  };
}
