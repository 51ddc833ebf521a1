import type { Database } from "better-sqlite3";

/**
 * Runs a transaction with synchronous=FULL: its commit is on disk (WAL fsynced) before it returns.
 *
 * The connection otherwise runs with synchronous=NORMAL, which in WAL mode skips the fsync at commit.
 * That is safe for the bookkeeping commits (claims, lease renewals, completions, user records): the
 * WAL is appended in order, so the next durable commit (or checkpoint) makes every earlier one durable
 * too, and a power cut can only lose the newest bookkeeping, which repeats idempotent work (a sync
 * runs once more, a Genesys user is looked up again). What is acknowledged to someone — Okta's
 * deliveries, an operator's retry — goes through here, so nothing acknowledged can be lost.
 */
export function durably<A extends unknown[], R>(
  db: Database,
  transaction: (...args: A) => R,
): (...args: A) => R {
  // Prepared once: db.pragma() compiles a statement per call, whose native memory waits for the GC.
  const full = db.prepare("PRAGMA synchronous = FULL");
  const normal = db.prepare("PRAGMA synchronous = NORMAL");
  return (...args) => {
    full.run();
    try {
      return transaction(...args);
    } finally {
      normal.run();
    }
  };
}
