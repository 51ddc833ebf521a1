import type { Database } from "better-sqlite3";
import type { Lane } from "../../lane.ts";
import type { PendingAction, UserChange } from "../user-change.ts";
import type { PendingWork, WorkQueue } from "../work-queue.ts";
import type { ReserveNumbers } from "./counters.ts";
import { LANE_ORDER, laneOf } from "./pending-rows.ts";

interface DueRow {
  okta_user_id: string;
  action: PendingAction;
  lane: number;
  version: number;
  created: number;
  attempts: number;
  enqueued_at: number;
}

const DUE_COLUMNS = "okta_user_id, action, lane, version, created, attempts, enqueued_at";
/** The holder's token is current and its lease has not expired: the fence on every holder's step. */
export const HELD = "okta_user_id = @id AND lease_token = @token AND lease_until > @now";

export function createSqliteWorkQueue(
  db: Database,
  now: () => number,
  reserve: ReserveNumbers,
  foldIntoPending: (changes: Iterable<UserChange>, at: number) => void,
): WorkQueue {
  const selectDue = db.prepare(
    `SELECT ${DUE_COLUMNS} FROM pending WHERE lease_until <= @now AND not_before <= @now
     ORDER BY lane, seq LIMIT @limit`,
  );
  const selectDueInLane = db.prepare(
    `SELECT ${DUE_COLUMNS} FROM pending WHERE lane = @lane AND lease_until <= @now AND not_before <= @now
     ORDER BY seq LIMIT @limit`,
  );
  const lease = db.prepare("UPDATE pending SET lease_until = ?, lease_token = ? WHERE okta_user_id = ?");
  const claimTx = db.transaction((limit: number, leaseMs: number, lane: Lane | undefined) => {
    const at = now();
    const rows = (
      lane === undefined
        ? selectDue.all({ now: at, limit })
        : selectDueInLane.all({ now: at, limit, lane: LANE_ORDER[lane] })
    ) as DueRow[];
    if (rows.length === 0) return [];
    let token = reserve("lease", rows.length);
    return rows.map((row): PendingWork => {
      const work = toWork(row, token++, at + leaseMs);
      lease.run(work.lease.expiresAt, work.lease.token, row.okta_user_id);
      return work;
    });
  });

  const renewStmt = db.prepare(`UPDATE pending SET lease_until = @until WHERE ${HELD}`);
  const removeIfUnchanged = db.prepare(`DELETE FROM pending WHERE ${HELD} AND version = @version`);
  const unlease = db.prepare(`UPDATE pending SET lease_until = 0 WHERE ${HELD}`);
  const rescheduleStmt = db.prepare(
    `UPDATE pending SET lease_until = 0, not_before = @notBefore, attempts = attempts + @attempt WHERE ${HELD}`,
  );
  const held = (work: PendingWork) => ({ id: work.oktaUserId, token: work.lease.token, now: now() });
  const completeTx = db.transaction((work: PendingWork) => {
    const fence = held(work);
    if (removeIfUnchanged.run({ ...fence, version: work.version }).changes > 0) return "done" as const;
    return unlease.run(fence).changes > 0 ? ("again" as const) : ("lost" as const);
  });
  const enqueueTx = db.transaction((changes: Iterable<UserChange>) => foldIntoPending(changes, now()));
  const countInLane = db.prepare("SELECT COUNT(*) FROM pending WHERE lane = ?").pluck();

  return {
    async enqueue(changes) {
      enqueueTx(changes);
    },
    async claim({ limit, leaseMs, lane }) {
      return claimTx(limit, leaseMs, lane);
    },
    async renew(work, leaseMs) {
      const fence = held(work);
      const expiresAt = fence.now + leaseMs;
      if (renewStmt.run({ ...fence, until: expiresAt }).changes === 0) return undefined;
      return { token: work.lease.token, expiresAt };
    },
    async complete(work) {
      return completeTx(work);
    },
    async reschedule(work, notBefore, countAttempt) {
      return rescheduleStmt.run({ ...held(work), notBefore, attempt: countAttempt ? 1 : 0 }).changes > 0;
    },
    async release(work) {
      return unlease.run(held(work)).changes > 0;
    },
    async pendingInLane(lane) {
      return countInLane.get(LANE_ORDER[lane]) as number;
    },
  };
}

function toWork(row: DueRow, token: number, expiresAt: number): PendingWork {
  return {
    oktaUserId: row.okta_user_id,
    action: row.action,
    lane: laneOf(row.lane),
    version: row.version,
    created: row.created === 1,
    attempts: row.attempts,
    enqueuedAt: row.enqueued_at,
    lease: { token, expiresAt },
  };
}
