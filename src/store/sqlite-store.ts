import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type {
  AcceptResult,
  DeadLetter,
  EventRecord,
  PendingAction,
  PendingStats,
  PendingWork,
  Lane,
  ReconcileOktaPage,
  ReconcileRunRecord,
  ReconcileSnapshotUser,
  Store,
  UserChange,
  UserRecord,
} from "./store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  uuid TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  okta_user_id TEXT,
  published TEXT NOT NULL,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_received ON events (received_at);

CREATE TABLE IF NOT EXISTS pending (
  okta_user_id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  lane INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created INTEGER NOT NULL DEFAULT 0,
  published TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  not_before INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS pending_order ON pending (lane, seq);

CREATE TABLE IF NOT EXISTS users (
  okta_user_id TEXT PRIMARY KEY,
  genesys_id TEXT,
  body_hash TEXT,
  deleted INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dead_letters (
  okta_user_id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  status INTEGER,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Reconcile runs: one row per run (its checkpoint is the reconciler's JSON) and the Genesys users
 * the run has listed, page by page, so that a crash does not cost the listing again.
 */
const RECONCILE_SCHEMA = `
CREATE TABLE IF NOT EXISTS reconcile_runs (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  checkpoint TEXT NOT NULL,
  report TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS reconcile_genesys_users (
  run_id TEXT NOT NULL,
  genesys_id TEXT NOT NULL,
  user_json TEXT NOT NULL,
  matched INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, genesys_id)
) WITHOUT ROWID;
`;

const LANE_ORDER: Record<Lane, number> = { live: 0, bulk: 1 };
const laneOf = (n: number): Lane => (n === 0 ? "live" : "bulk");

/** How long event uuids are kept for deduplication: Okta retries within seconds, deliveries may lag hours. */
const EVENT_RETENTION_MS = 3 * 24 * 3600_000;

interface PendingRow {
  okta_user_id: string;
  action: PendingAction;
  lane: number;
  version: number;
  created: number;
  attempts: number;
  enqueued_at: number;
}

/**
 * The embedded store: one SQLite file in DATA_DIR, WAL mode, synchronous=FULL so that a delivery
 * acknowledged to Okta survives a crash or a power cut. One process owns the file.
 */
export function openSqliteStore(options: { dataDir: string; clock?: () => number }): Store {
  const now = options.clock ?? Date.now;
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, "bridge.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  db.exec(RECONCILE_SCHEMA);
  // Leases belong to the process that took them; this process owns the file now, so a lease left
  // by a crashed predecessor is void and its work is due again.
  db.prepare("UPDATE pending SET lease_until = 0 WHERE lease_until > 0").run();

  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (uuid, delivery_id, event_type, okta_user_id, published, received_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // Merging into a pending row is the durable half of coalescing: a delete is final (Okta never
  // reuses a user id), live beats bulk, and every merge bumps the version so that a worker that is
  // writing an older state knows to sync once more afterwards.
  const upsertPending = db.prepare(
    `INSERT INTO pending (okta_user_id, action, lane, created, published, enqueued_at, seq)
     VALUES (@id, @action, @lane, @created, @published, @now, @seq)
     ON CONFLICT (okta_user_id) DO UPDATE SET
       action = CASE WHEN pending.action = 'delete' OR excluded.action = 'delete' THEN 'delete' ELSE 'sync' END,
       lane = MIN(pending.lane, excluded.lane),
       created = MAX(pending.created, excluded.created),
       published = MAX(pending.published, excluded.published),
       version = pending.version + 1,
       not_before = CASE WHEN excluded.lane < pending.lane THEN 0 ELSE pending.not_before END`,
  );
  const deleteDeadLetter = db.prepare("DELETE FROM dead_letters WHERE okta_user_id = ?");
  let seq = (db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM pending").get() as { s: number }).s;

  const acceptTx = db.transaction(
    (deliveryId: string, events: readonly EventRecord[], changes: ReadonlyMap<string, UserChange>) => {
      const at = now();
      let stored = 0;
      let queued = 0;
      const fresh = new Set<string>();
      for (const e of events) {
        if (insertEvent.run(e.uuid, deliveryId, e.eventType, e.oktaUserId ?? null, e.published, at).changes) {
          stored++;
          if (e.oktaUserId) {
            queued++;
            fresh.add(e.oktaUserId);
          }
        }
      }
      for (const change of changes.values()) {
        if (fresh.has(change.oktaUserId)) mergeChange(change, at);
      }
      return { stored, queued, duplicates: events.length - stored };
    },
  );
  const mergeChange = (change: UserChange, at: number) => {
    upsertPending.run({
      id: change.oktaUserId,
      action: change.action,
      lane: LANE_ORDER[change.lane],
      created: change.created ? 1 : 0,
      published: change.published,
      now: at,
      seq: ++seq,
    });
    // A dead letter is retried automatically when a newer event for that user arrives.
    deleteDeadLetter.run(change.oktaUserId);
  };
  const enqueueTx = db.transaction((changes: Iterable<UserChange>) => {
    const at = now();
    for (const change of changes) mergeChange(change, at);
  });

  const selectDue = db.prepare(
    `SELECT okta_user_id, action, lane, version, created, attempts, enqueued_at FROM pending
     WHERE lease_until <= @now AND not_before <= @now ORDER BY lane, seq LIMIT @limit`,
  );
  const selectDueInLane = db.prepare(
    `SELECT okta_user_id, action, lane, version, created, attempts, enqueued_at FROM pending
     WHERE lane = @lane AND lease_until <= @now AND not_before <= @now ORDER BY seq LIMIT @limit`,
  );
  const lease = db.prepare("UPDATE pending SET lease_until = ? WHERE okta_user_id = ?");
  const claimTx = db.transaction((limit: number, at: number, leaseMs: number, lane: Lane | undefined) => {
    const rows = (
      lane === undefined
        ? selectDue.all({ now: at, limit })
        : selectDueInLane.all({ now: at, limit, lane: LANE_ORDER[lane] })
    ) as PendingRow[];
    for (const row of rows) lease.run(at + leaseMs, row.okta_user_id);
    return rows.map(toWork);
  });

  const deleteIfUnchanged = db.prepare("DELETE FROM pending WHERE okta_user_id = ? AND version = ?");
  const unlease = db.prepare("UPDATE pending SET lease_until = 0 WHERE okta_user_id = ?");
  const rescheduleStmt = db.prepare(
    `UPDATE pending SET lease_until = 0, not_before = ?, attempts = attempts + ? WHERE okta_user_id = ?`,
  );
  const insertDeadLetter = db.prepare(
    `INSERT OR REPLACE INTO dead_letters (okta_user_id, action, status, reason, attempts, at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const deadLetterTx = db.transaction(
    (work: PendingWork, status: number | undefined, reason: string, at: number) => {
      // Only park the version that failed: if newer events arrived meanwhile, they get their own try.
      if (deleteIfUnchanged.run(work.oktaUserId, work.version).changes === 0) {
        unlease.run(work.oktaUserId);
        return;
      }
      insertDeadLetter.run(work.oktaUserId, work.action, status ?? null, reason, work.attempts + 1, at);
    },
  );
  const retryDeadTx = db.transaction((oktaUserId: string | undefined, at: number) => {
    const rows = (
      oktaUserId === undefined
        ? db.prepare("SELECT okta_user_id, action FROM dead_letters").all()
        : db.prepare("SELECT okta_user_id, action FROM dead_letters WHERE okta_user_id = ?").all(oktaUserId)
    ) as { okta_user_id: string; action: PendingAction }[];
    for (const row of rows) {
      mergeChange(
        {
          oktaUserId: row.okta_user_id,
          action: row.action,
          lane: "live",
          published: new Date(at).toISOString(),
          created: false,
        },
        at,
      );
    }
    return rows.length;
  });

  const getUserStmt = db.prepare("SELECT genesys_id, body_hash, deleted FROM users WHERE okta_user_id = ?");
  const saveUserStmt = db.prepare(
    `INSERT INTO users (okta_user_id, genesys_id, body_hash, deleted) VALUES (?, ?, ?, ?)
     ON CONFLICT (okta_user_id) DO UPDATE SET genesys_id = excluded.genesys_id,
       body_hash = excluded.body_hash, deleted = excluded.deleted`,
  );
  const saveUser = (record: UserRecord) =>
    saveUserStmt.run(
      record.oktaUserId,
      record.genesysId ?? null,
      record.bodyHash ?? null,
      record.deleted ? 1 : 0,
    );
  const countInLane = db.prepare("SELECT COUNT(*) AS n FROM pending WHERE lane = ?");

  const runColumns = "id, started_at, finished_at, checkpoint, report";
  const selectUnfinishedRun = db.prepare(
    `SELECT ${runColumns} FROM reconcile_runs WHERE finished_at IS NULL ORDER BY started_at DESC LIMIT 1`,
  );
  const selectLatestRun = db.prepare(
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
  const beginRunTx = db.transaction((id: string, startedAt: number, checkpoint: string) => {
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
    const at = now();
    for (const user of page.users) saveUser(user);
    for (const change of page.changes) mergeChange(change, at);
    for (const genesysId of page.matchedGenesysIds) markMatched.run(id, genesysId);
    updateCheckpoint.run(page.checkpoint, id);
  });
  const finishRunTx = db.transaction((id: string, finishedAt: number, report: string) => {
    finishRun.run(finishedAt, report, id);
    dropSnapshot.run(id);
  });

  const pruneEvents = db.prepare("DELETE FROM events WHERE received_at < ?");
  let lastPrune = 0;

  return {
    async accept(deliveryId, events, changes): Promise<AcceptResult> {
      const result = acceptTx(deliveryId, events, changes);
      const at = now();
      if (at - lastPrune > 3600_000) {
        lastPrune = at;
        pruneEvents.run(at - EVENT_RETENTION_MS);
      }
      return result;
    },
    async enqueue(changes) {
      enqueueTx(changes);
    },
    async claim(limit, at, leaseMs, lane) {
      return claimTx(limit, at, leaseMs, lane);
    },
    async complete(work) {
      if (deleteIfUnchanged.run(work.oktaUserId, work.version).changes > 0) return true;
      unlease.run(work.oktaUserId);
      return false;
    },
    async reschedule(work, notBefore, countAttempt) {
      rescheduleStmt.run(notBefore, countAttempt ? 1 : 0, work.oktaUserId);
    },
    async release(work) {
      unlease.run(work.oktaUserId);
    },
    async deadLetter(work, status, reason, at) {
      deadLetterTx(work, status, reason, at);
    },
    async listDeadLetters(limit) {
      const rows = db
        .prepare(
          "SELECT okta_user_id, action, status, reason, attempts, at FROM dead_letters ORDER BY at LIMIT ?",
        )
        .all(limit) as {
        okta_user_id: string;
        action: PendingAction;
        status: number | null;
        reason: string;
        attempts: number;
        at: number;
      }[];
      return rows.map((r): DeadLetter => ({
        oktaUserId: r.okta_user_id,
        action: r.action,
        status: r.status ?? undefined,
        reason: r.reason,
        attempts: r.attempts,
        at: r.at,
      }));
    },
    async retryDeadLetters(oktaUserId, at) {
      return retryDeadTx(oktaUserId, at);
    },
    async getUser(oktaUserId) {
      const row = getUserStmt.get(oktaUserId) as
        { genesys_id: string | null; body_hash: string | null; deleted: number } | undefined;
      if (!row) return undefined;
      return {
        oktaUserId,
        genesysId: row.genesys_id ?? undefined,
        bodyHash: row.body_hash ?? undefined,
        deleted: row.deleted === 1,
      };
    },
    async saveUser(record: UserRecord) {
      saveUser(record);
    },
    async stats(): Promise<PendingStats> {
      const p = db.prepare("SELECT COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM pending").get() as {
        n: number;
        oldest: number | null;
      };
      const d = db.prepare("SELECT COUNT(*) AS n FROM dead_letters").get() as { n: number };
      return { pending: p.n, oldestEnqueuedAt: p.oldest ?? undefined, deadLetters: d.n };
    },
    async pendingInLane(lane) {
      return (countInLane.get(LANE_ORDER[lane]) as { n: number }).n;
    },
    async unfinishedReconcileRun() {
      return toRun(selectUnfinishedRun.get() as RunRow | undefined);
    },
    async latestReconcileRun() {
      return toRun(selectLatestRun.get() as RunRow | undefined);
    },
    async beginReconcileRun(id, startedAt, checkpoint) {
      beginRunTx(id, startedAt, checkpoint);
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
      finishRunTx(id, finishedAt, report);
    },
    async writable() {
      try {
        db.prepare("CREATE TABLE IF NOT EXISTS probe (x INTEGER)").run();
        db.prepare("DELETE FROM probe").run();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

interface RunRow {
  id: string;
  started_at: number;
  finished_at: number | null;
  checkpoint: string;
  report: string | null;
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

function toWork(row: PendingRow): PendingWork {
  return {
    oktaUserId: row.okta_user_id,
    action: row.action,
    lane: laneOf(row.lane),
    version: row.version,
    created: row.created === 1,
    attempts: row.attempts,
    enqueuedAt: row.enqueued_at,
  };
}
