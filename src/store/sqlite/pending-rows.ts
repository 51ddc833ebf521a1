import type { Database } from "better-sqlite3";
import { coalesceChanges, foldChange, type PendingChange } from "../coalescer.ts";
import type { Lane } from "../../lane.ts";
import type { PendingAction, UserChange } from "../user-change.ts";
import type { ReserveNumbers } from "./counters.ts";

export const LANE_ORDER: Record<Lane, number> = { live: 0, bulk: 1 };
export const laneOf = (n: number): Lane => (n === 0 ? "live" : "bulk");

interface FoldRow {
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
  const select = db.prepare(
    "SELECT action, lane, version, created, published, not_before FROM pending WHERE okta_user_id = ?",
  );
  const insert = db.prepare(
    `INSERT INTO pending (okta_user_id, action, lane, version, created, published, enqueued_at, seq, not_before)
     VALUES (@id, @action, @lane, @version, @created, @published, @at, @seq, @notBefore)`,
  );
  const update = db.prepare(
    `UPDATE pending SET action = @action, lane = @lane, version = @version, created = @created,
       published = @published, not_before = @notBefore WHERE okta_user_id = @id`,
  );
  const reviveDeadLetter = db.prepare("DELETE FROM dead_letters WHERE okta_user_id = ?");
  const anyDeadLetter = db.prepare("SELECT EXISTS (SELECT 1 FROM dead_letters)").pluck();

  return function foldIntoPending(changes: Iterable<UserChange>, at: number): void {
    const byUser = coalesceChanges(changes);
    if (byUser.size === 0) return;
    let seq = reserve("seq", byUser.size);
    // Usually there is none: one look saves a delete per user.
    const revive = anyDeadLetter.get() === 1;
    for (const change of byUser.values()) {
      const row = select.get(change.oktaUserId) as FoldRow | undefined;
      const folded = foldChange(row && toPendingChange(change.oktaUserId, row), change);
      const values = {
        id: change.oktaUserId,
        action: folded.action,
        lane: LANE_ORDER[folded.lane],
        version: folded.version,
        created: folded.created ? 1 : 0,
        published: folded.published,
        notBefore: folded.notBefore,
      };
      if (row) update.run(values);
      else insert.run({ ...values, at, seq: seq++ });
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
