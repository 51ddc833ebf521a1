import { closeSync, fdatasync, openSync } from "node:fs";
import { promisify } from "node:util";

const datasync = promisify(fdatasync);

export interface WalSync {
  /**
   * Call right after a commit made with synchronous=NORMAL: resolves once an fdatasync of the WAL that
   * began after the call has completed, which makes that commit as durable as synchronous=FULL would.
   */
  afterCommit(): Promise<void>;
  /** Waits for the sync under way, if any, then closes the file. */
  close(): Promise<void>;
}

/**
 * Durability for the hook's commits without blocking the event loop. With synchronous=FULL SQLite
 * fsyncs the WAL inside the commit, on the calling thread, and no request is read for as long as
 * the disk takes (well under a millisecond on the machine the benchmark ran on; far longer on a
 * busy or network-attached disk). Instead the commit runs with synchronous=NORMAL (its frames are written to the WAL but not synced) and this syncs the WAL
 * file on libuv's thread pool; a delivery is answered only after a sync that began after its commit.
 *
 * That is what FULL does, moved off the thread: the WAL is one file that SQLite only appends to or,
 * after a complete checkpoint (which has synced the database file first), rewrites from its start, so
 * a sync of it covers every commit written before the sync began. The file is the same inode for as
 * long as the connection is open: SQLite deletes it only when the last connection closes.
 *
 * One sync runs at a time and serves every commit made before it started; commits made meanwhile
 * wait for the next one, so a burst costs one sync per round, not one per delivery.
 */
export function openWalSync(walPath: string): WalSync {
  const fd = openSync(walPath, "r+");
  let running: Promise<void> | undefined;
  // Commits not yet covered by a sync: all were made before the next round's sync begins.
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  async function syncRounds(): Promise<void> {
    while (waiting.length > 0) {
      const round = waiting;
      waiting = [];
      try {
        await datasync(fd);
        for (const w of round) w.resolve();
      } catch (error) {
        // Not durable, so not acknowledged: the hook answers 503 and Okta retries the delivery.
        for (const w of round) w.reject(error);
      }
    }
    running = undefined;
  }

  return {
    afterCommit() {
      const synced = new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
      running ??= syncRounds();
      return synced;
    },
    async close() {
      await running;
      closeSync(fd);
    },
  };
}
