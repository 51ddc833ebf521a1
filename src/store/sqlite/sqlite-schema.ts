import type { Database } from "better-sqlite3";

/**
 * Every event kept for deduplication, keyed by (published, uuid): Okta redelivers an event as it was,
 * publish time included, so the pair finds a redelivery as surely as the uuid alone. Keyed by the
 * uuid alone, each of a delivery's events landed on a random page of a large B-tree, and a
 * 1,400-event commit rewrote some 1,400 pages (5 MB of WAL); in publish order they land together at
 * the tree's end, which made the hook's commits three times cheaper.
 */
const EVENTS_TABLE = `
CREATE TABLE IF NOT EXISTS events (
  uuid TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  okta_user_id TEXT,
  published TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (published, uuid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
`;

const SCHEMA = `
${EVENTS_TABLE}

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
  deleted INTEGER NOT NULL DEFAULT 0,
  written TEXT,
  version TEXT
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS users_by_genesys_id ON users (genesys_id);

-- One row per synced Okta group whose membership must be looked at again (SYNC_GROUPS).
CREATE TABLE IF NOT EXISTS pending_groups (
  okta_group_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  enqueued_at INTEGER NOT NULL,
  not_before INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  lease_token INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dead_letters (
  okta_user_id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  status INTEGER,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;

-- Sequence numbers (queue order, lease fencing tokens) live in the file, not in process memory.
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- Reconcile runs: one row per run (its checkpoint is the reconciler's JSON) and the Genesys users
-- the run has listed, page by page, so that a crash does not cost the listing again.
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

/** Creates the tables, and brings a file written by an earlier version up to date. */
export function migrate(db: Database): void {
  db.exec(SCHEMA);
  rekeyEvents(db);
  const columns = db.prepare("SELECT name FROM pragma_table_info('pending')").pluck().all() as string[];
  // Files from before fenced leases: their leases carry token 0, which no claim hands out.
  if (!columns.includes("lease_token")) {
    db.exec("ALTER TABLE pending ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0");
  }
  const userColumns = db.prepare("SELECT name FROM pragma_table_info('users')").pluck().all() as string[];
  // Files from before PATCH writes: their users are read from Genesys before the first PATCH.
  for (const column of ["written", "version"]) {
    if (!userColumns.includes(column)) db.exec(`ALTER TABLE users ADD COLUMN ${column} TEXT`);
  }
  db.prepare(
    "INSERT OR IGNORE INTO counters (name, value) SELECT 'seq', COALESCE(MAX(seq), 0) FROM pending",
  ).run();
  db.prepare("INSERT OR IGNORE INTO counters (name, value) VALUES ('lease', 0)").run();
}

/** Files from before the (published, uuid) key: their events move to the new table once. */
function rekeyEvents(db: Database): void {
  const keyed = db.prepare("SELECT pk FROM pragma_table_info('events') WHERE name = 'published'").pluck();
  if ((keyed.get() as number) > 0) return;
  db.transaction(() => {
    db.exec("ALTER TABLE events RENAME TO events_by_uuid");
    db.exec("DROP INDEX events_received");
    db.exec(EVENTS_TABLE);
    db.exec(
      `INSERT OR IGNORE INTO events (uuid, delivery_id, event_type, okta_user_id, published, received_at)
       SELECT uuid, delivery_id, event_type, okta_user_id, published, received_at FROM events_by_uuid`,
    );
    db.exec("DROP TABLE events_by_uuid");
  })();
}
