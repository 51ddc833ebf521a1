import type { Database } from "better-sqlite3";
import type { GroupChange, GroupQueue, PendingGroupWork } from "../group-queue.ts";
import type { ReserveNumbers } from "./counters.ts";

interface GroupRow {
  okta_group_id: string;
  name: string;
  version: number;
  attempts: number;
  enqueued_at: number;
}

const HELD = "okta_group_id = @id AND lease_token = @token AND lease_until > @now";

/** Folds group changes into pending_groups; called inside the inbox's transaction too. */
export function createGroupFolder(db: Database): (changes: Iterable<GroupChange>, at: number) => void {
  const fold = db.prepare(
    `INSERT INTO pending_groups (okta_group_id, name, enqueued_at) VALUES (?, ?, ?)
     ON CONFLICT (okta_group_id) DO UPDATE SET version = version + 1, name = excluded.name`,
  );
  return (changes, at) => {
    for (const change of changes) fold.run(change.oktaGroupId, change.name, at);
  };
}

export function createSqliteGroupQueue(db: Database, now: () => number, reserve: ReserveNumbers): GroupQueue {
  const fold = createGroupFolder(db);
  const selectDue = db.prepare(
    `SELECT okta_group_id, name, version, attempts, enqueued_at FROM pending_groups
     WHERE lease_until <= @now AND not_before <= @now ORDER BY enqueued_at LIMIT @limit`,
  );
  const lease = db.prepare(
    "UPDATE pending_groups SET lease_until = ?, lease_token = ? WHERE okta_group_id = ?",
  );
  const claimTx = db.transaction((limit: number, leaseMs: number) => {
    const at = now();
    const rows = selectDue.all({ now: at, limit }) as GroupRow[];
    if (rows.length === 0) return [];
    let token = reserve("lease", rows.length);
    return rows.map((row): PendingGroupWork => {
      const work = {
        oktaGroupId: row.okta_group_id,
        name: row.name,
        version: row.version,
        attempts: row.attempts,
        enqueuedAt: row.enqueued_at,
        lease: { token: token++, expiresAt: at + leaseMs },
      };
      lease.run(work.lease.expiresAt, work.lease.token, row.okta_group_id);
      return work;
    });
  });
  const removeIfUnchanged = db.prepare(`DELETE FROM pending_groups WHERE ${HELD} AND version = @version`);
  const unlease = db.prepare(`UPDATE pending_groups SET lease_until = 0 WHERE ${HELD}`);
  const reschedule = db.prepare(
    `UPDATE pending_groups SET lease_until = 0, not_before = @notBefore, attempts = attempts + @attempt
     WHERE ${HELD}`,
  );
  const held = (work: PendingGroupWork) => ({ id: work.oktaGroupId, token: work.lease.token, now: now() });
  const completeTx = db.transaction((work: PendingGroupWork) => {
    const fence = held(work);
    if (removeIfUnchanged.run({ ...fence, version: work.version }).changes > 0) return "done" as const;
    return unlease.run(fence).changes > 0 ? ("again" as const) : ("lost" as const);
  });
  const enqueueTx = db.transaction((changes: Iterable<GroupChange>) => fold(changes, now()));
  const count = db.prepare("SELECT COUNT(*) FROM pending_groups").pluck();

  return {
    async enqueueGroups(changes) {
      enqueueTx(changes);
    },
    async claimGroups({ limit, leaseMs }) {
      return claimTx(limit, leaseMs);
    },
    async completeGroup(work) {
      return completeTx(work);
    },
    async rescheduleGroup(work, notBefore, countAttempt) {
      return reschedule.run({ ...held(work), notBefore, attempt: countAttempt ? 1 : 0 }).changes > 0;
    },
    async releaseGroup(work) {
      return unlease.run(held(work)).changes > 0;
    },
    async pendingGroups() {
      return count.get() as number;
    },
  };
}
