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
import type { Logger } from "../log.ts";
import { startCheckpointer } from "./sqlite/checkpointer.ts";
import { openWalSync } from "./sqlite/wal-sync.ts";
import type { Store } from "./store.ts";

export interface SqliteStoreOptions {
  dataDir: string;
  /** Lease expiry, backoff and enqueue times are read from it. */
  clock?: () => number;
  /** Told when the checkpoint thread fails (the store then checkpoints on its own connection). */
  log?: Logger;
}

/**
 * The embedded store: one SQLite file in DATA_DIR, WAL mode. A delivery is acknowledged to Okta only
 * once its commit is synced to disk (wal-sync.ts, off the event loop), so it survives a crash or a
 * power cut; bookkeeping commits skip the sync (see durably.ts for why that loses nothing
 * acknowledged), and checkpoints run on a thread of their own (checkpointer.ts). Leases are left as
 * they are at open: one held by a crashed predecessor simply expires.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const now = options.clock ?? Date.now;
  mkdirSync(options.dataDir, { recursive: true });
  const dbPath = join(options.dataDir, "bridge.db");
  const db = new Database(dbPath);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  // Pages kept in memory, chosen here rather than inherited from better-sqlite3's build (16 MB;
  // SQLite's own default is 2 MB): the cache is part of the RSS once full. In bench/ingest.ts 8 MB
  // used no more CPU per event than 16 MB (runs alternated on one machine) while 4 MB used about a
  // tenth more, the OS page cache serving what no longer fit; 8 MB takes ~8 MB off the RSS.
  db.pragma("cache_size = -8000");
  migrate(db);
  const walSync = openWalSync(`${dbPath}-wal`);
  const checkpointer = startCheckpointer(db, dbPath, (error) =>
    options.log?.warn({ err: error }, "the sqlite checkpoint thread stopped; checkpointing inline"),
  );

  const reserve = createCounters(db);
  const foldIntoPending = createPendingWriter(db, reserve);
  const users = createSqliteUserRecords(db);
  const foldGroups = createGroupFolder(db);
  const countPending = db.prepare("SELECT COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM pending");
  const countDeadLetters = db.prepare("SELECT COUNT(*) FROM dead_letters").pluck();
  const probe = db.prepare("UPDATE counters SET value = value WHERE name = 'seq'");

  return {
    ...createSqliteInbox(db, now, walSync, foldIntoPending, foldGroups),
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
      // The checkpoint thread's connection closes first: the last one to close checkpoints and
      // removes the WAL, whose file the sync holds open until then.
      await checkpointer.stop();
      await walSync.close();
      if (db.open) db.close();
    },
  };
}
