import type { Database } from "better-sqlite3";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** SQLite's own threshold (pages of WAL), used again when the checkpoint thread is gone. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
/**
 * If the thread falls behind, the connection checkpoints by itself once the WAL holds this many
 * pages (64 MB): a stall then, but a bounded WAL.
 */
const BACKSTOP_AUTOCHECKPOINT = 16_000;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the event loop. A checkpoint copies the WAL's pages into the database
 * file and fsyncs both; run by SQLite after a commit, on the committing connection, it holds up the
 * hook for as long as that copy and those syncs take, which grows with the WAL and with the disk. A
 * worker thread with its own connection runs them instead, and the bridge's connection checkpoints
 * only as a backstop.
 */
export function startCheckpointer(
  db: Database,
  dbPath: string,
  onFailure: (error: unknown) => void,
  intervalMs = 500,
): Checkpointer {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT}`);
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(CHECKPOINT_THREAD, { eval: true, workerData: { driver, dbPath, intervalMs } });
  worker.unref();
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.on("error", (error) => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    if (!stopping) onFailure(error);
  });
  return {
    async stop() {
      stopping = true;
      worker.postMessage("stop");
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The thread's code, as JavaScript that runs as it is: a worker does not inherit the TypeScript
 * loader the bridge runs under from source, and the built bridge has no loader at all.
 *
 * PASSIVE checkpoints never wait for the bridge's writer nor block it. A round that finds frames
 * appended while it ran goes again at once: the WAL starts over from its beginning (instead of
 * growing) only once a checkpoint has caught up with every frame. Busy (another connection's
 * checkpoint under way) waits for the next round; any other error ends the thread.
 */
const CHECKPOINT_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.dbPath);
db.pragma("busy_timeout = 1000");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
let timer;
function round() {
  try {
    for (let again = 0; again < 8; again++) {
      const { log, checkpointed } = checkpoint.get();
      if (checkpointed >= log) break;
    }
  } catch (error) {
    if (error.code !== "SQLITE_BUSY") throw error;
  }
  timer = setTimeout(round, workerData.intervalMs);
}
round();
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;
