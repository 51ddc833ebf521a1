import type { Database } from "better-sqlite3";
import type {
  ReconcileOktaPage,
  ReconcileRunRecord,
  ReconcileRuns,
  ReconcileSnapshotUser,
} from "../reconcile-runs.ts";
import type { UserChange } from "../user-change.ts";
import type { UserRecord } from "../user-records.ts";

interface RunRow {
  id: string;
  started_at: number;
  finished_at: number | null;
  checkpoint: string;
  report: string | null;
}

/** One closure over the prepared statements that every method shares; hence a little over 80 lines. */
export function createSqliteReconcileRuns(
  db: Database,
  now: () => number,
  foldIntoPending: (changes: Iterable<UserChange>, at: number) => void,
  saveUser: (record: UserRecord) => void,
): ReconcileRuns {
  const runColumns = "id, started_at, finished_at, checkpoint, report";
  const selectUnfinished = db.prepare(
    `SELECT ${runColumns} FROM reconcile_runs WHERE finished_at IS NULL ORDER BY started_at DESC LIMIT 1`,
  );
  const selectLatest = db.prepare(
    `SELECT ${runColumns} FROM reconcile_runs ORDER BY started_at DESC, finished_at IS NULL DESC LIMIT 1`,
  );
  const dropUnfinishedSnapshots = db.prepare(
    `DELETE FROM reconcile_genesys_users WHERE run_id IN (SELECT id FROM reconcile_runs WHERE finished_at IS NULL)`,
  );
  const dropUnfinishedRuns = db.prepare("DELETE FROM reconcile_runs WHERE finished_at IS NULL");
  const insertRun = db.prepare("INSERT INTO reconcile_runs (id, started_at, checkpoint) VALUES (?, ?, ?)");
  const updateCheckpoint = db.prepare("UPDATE reconcile_runs SET checkpoint = ? WHERE id = ?");
  const insertSnapshotUser = db.prepare(
    `INSERT INTO reconcile_genesys_users (run_id, genesys_id, user_json) VALUES (?, ?, ?)
     ON CONFLICT (run_id, genesys_id) DO UPDATE SET user_json = excluded.user_json`,
  );
  const markMatched = db.prepare(
    "UPDATE reconcile_genesys_users SET matched = 1 WHERE run_id = ? AND genesys_id = ?",
  );
  const selectSnapshot = db.prepare(
    "SELECT genesys_id, user_json, matched FROM reconcile_genesys_users WHERE run_id = ?",
  );
  const dropSnapshot = db.prepare("DELETE FROM reconcile_genesys_users WHERE run_id = ?");
  const finishRun = db.prepare("UPDATE reconcile_runs SET finished_at = ?, report = ? WHERE id = ?");

  const beginTx = db.transaction((id: string, startedAt: number, checkpoint: string) => {
    dropUnfinishedSnapshots.run();
    dropUnfinishedRuns.run();
    insertRun.run(id, startedAt, checkpoint);
  });
  const genesysPageTx = db.transaction(
    (id: string, users: readonly Omit<ReconcileSnapshotUser, "matched">[], checkpoint: string) => {
      for (const user of users) insertSnapshotUser.run(id, user.genesysId, user.json);
      updateCheckpoint.run(checkpoint, id);
    },
  );
  const oktaPageTx = db.transaction((id: string, page: ReconcileOktaPage) => {
    for (const user of page.users) saveUser(user);
    foldIntoPending(page.changes, now());
    for (const genesysId of page.matchedGenesysIds) markMatched.run(id, genesysId);
    updateCheckpoint.run(page.checkpoint, id);
  });
  const finishTx = db.transaction((id: string, finishedAt: number, report: string) => {
    finishRun.run(finishedAt, report, id);
    dropSnapshot.run(id);
  });

  return {
    async unfinishedReconcileRun() {
      return toRun(selectUnfinished.get() as RunRow | undefined);
    },
    async latestReconcileRun() {
      return toRun(selectLatest.get() as RunRow | undefined);
    },
    async beginReconcileRun(id, startedAt, checkpoint) {
      beginTx(id, startedAt, checkpoint);
    },
    async saveReconcileCheckpoint(id, checkpoint) {
      updateCheckpoint.run(checkpoint, id);
    },
    async addReconcileGenesysPage(id, users, checkpoint) {
      genesysPageTx(id, users, checkpoint);
    },
    async reconcileSnapshot(id) {
      const rows = selectSnapshot.all(id) as { genesys_id: string; user_json: string; matched: number }[];
      return rows.map((r) => ({ genesysId: r.genesys_id, json: r.user_json, matched: r.matched === 1 }));
    },
    async commitReconcileOktaPage(id, page) {
      oktaPageTx(id, page);
    },
    async finishReconcileRun(id, finishedAt, report) {
      finishTx(id, finishedAt, report);
    },
  };
}

function toRun(row: RunRow | undefined): ReconcileRunRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
    checkpoint: row.checkpoint,
    report: row.report ?? undefined,
  };
}
