import type { Database } from "better-sqlite3";
import type { DeadLetter, DeadLetters } from "../dead-letters.ts";
import type { PendingAction, UserChange } from "../user-change.ts";
import type { PendingWork } from "../work-queue.ts";
import { durably } from "./durably.ts";
import { HELD } from "./sqlite-work-queue.ts";

interface DeadLetterRow {
  okta_user_id: string;
  action: PendingAction;
  status: number | null;
  reason: string;
  attempts: number;
  at: number;
}

export function createSqliteDeadLetters(
  db: Database,
  now: () => number,
  foldIntoPending: (changes: Iterable<UserChange>, at: number) => void,
): DeadLetters {
  const removeIfUnchanged = db.prepare(`DELETE FROM pending WHERE ${HELD} AND version = @version`);
  const unlease = db.prepare(`UPDATE pending SET lease_until = 0 WHERE ${HELD}`);
  const insert = db.prepare(
    `INSERT OR REPLACE INTO dead_letters (okta_user_id, action, status, reason, attempts, at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const deadLetterTx = db.transaction(
    (work: PendingWork, status: number | undefined, reason: string, at: number) => {
      const fence = { id: work.oktaUserId, token: work.lease.token, now: now() };
      if (removeIfUnchanged.run({ ...fence, version: work.version }).changes === 0) {
        return unlease.run(fence).changes > 0 ? ("again" as const) : ("lost" as const);
      }
      insert.run(work.oktaUserId, work.action, status ?? null, reason, work.attempts + 1, at);
      return "done" as const;
    },
  );
  const list = db.prepare(
    "SELECT okta_user_id, action, status, reason, attempts, at FROM dead_letters ORDER BY at LIMIT ?",
  );
  const selectAll = db.prepare("SELECT okta_user_id, action FROM dead_letters");
  const selectOne = db.prepare("SELECT okta_user_id, action FROM dead_letters WHERE okta_user_id = ?");
  // An operator was told these are queued again: that answer must survive a power cut.
  const retryTx = durably(
    db,
    db.transaction((oktaUserId: string | undefined, at: number) => {
      const rows = (
        oktaUserId === undefined ? selectAll.all() : selectOne.all(oktaUserId)
      ) as DeadLetterRow[];
      const published = new Date(at).toISOString();
      // Folding a change into the queue is what revives a dead letter (and removes it).
      foldIntoPending(
        rows.map((row) => ({
          oktaUserId: row.okta_user_id,
          action: row.action,
          lane: "live",
          published,
          created: false,
        })),
        now(),
      );
      return rows.length;
    }),
  );

  return {
    async deadLetter(work, status, reason, at) {
      return deadLetterTx(work, status, reason, at);
    },
    async listDeadLetters(limit) {
      return (list.all(limit) as DeadLetterRow[]).map((r): DeadLetter => ({
        oktaUserId: r.okta_user_id,
        action: r.action,
        status: r.status ?? undefined,
        reason: r.reason,
        attempts: r.attempts,
        at: r.at,
      }));
    },
    async retryDeadLetters(oktaUserId, at) {
      return retryTx(oktaUserId, at);
    },
  };
}
