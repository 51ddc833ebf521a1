import type { Database } from "better-sqlite3";
import { coalesceChanges, foldChange, type PendingChange } from "../coalescer.ts";
import type { Lane } from "../../lane.ts";
import type { PendingAction, UserChange } from "../user-change.ts";
import type { ReserveNumbers } from "./counters.ts";

export const LANE_ORDER: Record<Lane, number> = { live: 0, bulk: 1 };
export const laneOf = (n: number): Lane => (n === 0 ? "live" : "bulk");

interface FoldRow {
  okta_user_id: string;
  action: PendingAction;
  lane: number;
  version: number;
  created: number;
  published: string;
  not_before: number;
}

/**
 * Persists folded changes: for each user, read the pending row, fold with the coalescer, write it
 * back. Call inside a transaction. A change also revives the user's dead letter, if any: something
 * changed, so the change deserves a new try.
 */
export function createPendingWriter(db: Database, reserve: ReserveNumbers) {
  // One statement reads every user of the batch: a statement per user cost more than the rows.
  const select = db.prepare(
    `SELECT okta_user_id, action, lane, version, created, published, not_before FROM pending
     WHERE okta_user_id IN (SELECT value FROM json_each(?))`,
  );
  const insert = db.prepare(
    `INSERT INTO pending (okta_user_id, action, lane, version, created, published, enqueued_at, seq, not_before)
     VALUES (@id, @action, @lane, @version, @created, @published, @at, @seq, @notBefore)`,
  );
  const update = db.prepare(
    `UPDATE pending SET action = ?, lane = ?, version = ?, created = ?, published = ?, not_before = ?
     WHERE okta_user_id = ?`,
  );
  const reviveDeadLetter = db.prepare("DELETE FROM dead_letters WHERE okta_user_id = ?");
  const anyDeadLetter = db.prepare("SELECT EXISTS (SELECT 1 FROM dead_letters)").pluck();

  return function foldIntoPending(changes: Iterable<UserChange>, at: number): void {
    const byUser = coalesceChanges(changes);
    if (byUser.size === 0) return;
    let seq = reserve("seq", byUser.size);
    // Usually there is none: one look saves a delete per user.
    const revive = anyDeadLetter.get() === 1;
    const rows = new Map<string, FoldRow>();
    for (const row of select.all(JSON.stringify([...byUser.keys()])) as FoldRow[]) {
      rows.set(row.okta_user_id, row);
    }
    for (const change of byUser.values()) {
      const row = rows.get(change.oktaUserId);
      const folded = foldChange(row && toPendingChange(change.oktaUserId, row), change);
      const lane = LANE_ORDER[folded.lane];
      const created = folded.created ? 1 : 0;
      if (row) {
        update.run(
          folded.action,
          lane,
          folded.version,
          created,
          folded.published,
          folded.notBefore,
          row.okta_user_id,
        );
      } else {
        insert.run({
          id: change.oktaUserId,
          action: folded.action,
          lane,
          version: folded.version,
          created,
          published: folded.published,
          notBefore: folded.notBefore,
          at,
          seq: seq++,
        });
      }
      if (revive) reviveDeadLetter.run(change.oktaUserId);
    }
  };
}

function toPendingChange(oktaUserId: string, row: FoldRow): PendingChange {
  return {
    oktaUserId,
    action: row.action,
    lane: laneOf(row.lane),
    version: row.version,
    created: row.created === 1,
    published: row.published,
    notBefore: row.not_before,
  };
}
