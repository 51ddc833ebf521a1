import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createCounters } from "./sqlite/counters.ts";
import { createPendingWriter } from "./sqlite/pending-rows.ts";
import { createSqliteDeadLetters } from "./sqlite/sqlite-dead-letters.ts";
import { createGroupFolder, createSqliteGroupQueue } from "./sqlite/sqlite-group-queue.ts";
import { createSqliteInbox } from "./sqlite/sqlite-inbox.ts";
import { createSqliteReconcileRuns } from "./sqlite/sqlite-reconcile-runs.ts";
import { migrate } from "./sqlite/sqlite-schema.ts";
import { createSqliteUserRecords } from "./sqlite/sqlite-user-records.ts";
import { createSqliteWorkQueue } from "./sqlite/sqlite-work-queue.ts";
import type { Store } from "./store.ts";

export interface SqliteStoreOptions {
  dataDir: string;
  /** Lease expiry, backoff and enqueue times are read from it. */
  clock?: () => number;
}

/**
 * The embedded store: one SQLite file in DATA_DIR, WAL mode. A delivery acknowledged to Okta is
 * committed with synchronous=FULL, so it survives a crash or a power cut; bookkeeping commits skip the
 * fsync (see durably.ts for why that loses nothing acknowledged). Leases are left as they are at
 * open: one held by a crashed predecessor simply expires.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const now = options.clock ?? Date.now;
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, "bridge.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  // A checkpoint copies each page once however often the log rewrote it, and it fsyncs. The hook's
  // hot pages (the pending rows, the index ends) are rewritten by every commit, so checkpointing
  // every 8,000 pages (32 MB of log) rather than SQLite's 1,000 cut the bridge's CPU per ingested
  // event by about a fifth in bench/ingest.ts.
  db.pragma("wal_autocheckpoint = 8000");
  migrate(db);

  const reserve = createCounters(db);
  const foldIntoPending = createPendingWriter(db, reserve);
  const users = createSqliteUserRecords(db);
  const foldGroups = createGroupFolder(db);
  const countPending = db.prepare("SELECT COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM pending");
  const countDeadLetters = db.prepare("SELECT COUNT(*) FROM dead_letters").pluck();
  const probe = db.prepare("UPDATE counters SET value = value WHERE name = 'seq'");

  return {
    ...createSqliteInbox(db, now, foldIntoPending, foldGroups),
    ...createSqliteGroupQueue(db, now, reserve),
    ...createSqliteWorkQueue(db, now, reserve, foldIntoPending),
    getUser: users.getUser,
    saveUser: users.saveUser,
    ownersOf: users.ownersOf,
    ...createSqliteDeadLetters(db, now, foldIntoPending),
    ...createSqliteReconcileRuns(db, now, foldIntoPending, users.save),
    async stats() {
      const p = countPending.get() as { n: number; oldest: number | null };
      return {
        pending: p.n,
        oldestEnqueuedAt: p.oldest ?? undefined,
        deadLetters: countDeadLetters.get() as number,
      };
    },
    async writable() {
      try {
        probe.run();
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
