import assert from "./support/assert.ts";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openSqliteStore } from "../src/store/sqlite-store.ts";
import { event, runStoreContract } from "./support/store-contract.ts";
import { waitFor } from "./support/wait-for.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "store-sqlite-"));
  dirs.push(dir);
  return dir;
};

runStoreContract("SQLite", async ({ clock }) => openSqliteStore({ dataDir: tempDir(), clock }));

test("SQLite: reopening the file keeps leases, and tokens and order go on from the file", async () => {
  const dataDir = tempDir();
  let now = 1_000;
  const first = openSqliteStore({ dataDir, clock: () => now });
  await first.accept({ id: "d1", events: [event("00uA"), event("00uB")] });
  const [held] = await first.claim({ limit: 1, leaseMs: 10_000 });
  assert.equal(held?.oktaUserId, "00uA");
  await first.close();

  const second = openSqliteStore({ dataDir, clock: () => now });
  try {
    await second.accept({ id: "d2", events: [event("00uC")] });
    now += 5_000;
    const due = await second.claim({ limit: 10, leaseMs: 10_000 });
    assert.deepEqual(
      due.map((w) => w.oktaUserId),
      ["00uB", "00uC"],
      "the lease held before the reopen still holds; order is kept",
    );
    assert.ok(due.every((w) => w.lease.token > held.lease.token));
    now += 5_000;
    const reclaimed = await second.claim({ limit: 10, leaseMs: 10_000 });
    assert.deepEqual(
      reclaimed.map((w) => w.oktaUserId),
      ["00uA"],
      "expired, it is anyone's",
    );
  } finally {
    await second.close();
  }
});

test("SQLite: a file whose events are keyed by uuid alone is rekeyed at open, and still deduplicates", async () => {
  const dataDir = tempDir();
  const old = new Database(join(dataDir, "bridge.db"));
  old.exec(`CREATE TABLE events (
      uuid TEXT PRIMARY KEY, delivery_id TEXT NOT NULL, event_type TEXT NOT NULL, okta_user_id TEXT,
      published TEXT NOT NULL, received_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX events_received ON events (received_at);`);
  const seen = event("00uA", { uuid: "evt-before-the-upgrade" });
  old
    .prepare("INSERT INTO events VALUES (?, 'd0', ?, '00uA', ?, 1000)")
    .run(seen.uuid, seen.eventType, seen.published);
  old.close();

  const store = openSqliteStore({ dataDir, clock: () => 2_000 });
  try {
    const again = await store.accept({ id: "d1", events: [seen, event("00uB")] });
    assert.deepEqual(
      again,
      { stored: 1, queued: 1, duplicates: 1 },
      "the event stored before is a duplicate",
    );
    const db = new Database(join(dataDir, "bridge.db"), { readonly: true });
    const key = db.prepare("SELECT name FROM pragma_table_info('events') WHERE pk > 0 ORDER BY pk").pluck();
    assert.deepEqual(key.all(), ["published", "uuid"]);
    db.close();
  } finally {
    await store.close();
  }
});

test("SQLite: the WAL is checkpointed into the database file while the bridge writes", async () => {
  const dataDir = tempDir();
  const store = openSqliteStore({ dataDir });
  try {
    const file = join(dataDir, "bridge.db");
    const before = statSync(file).size;
    for (let d = 0; d < 20; d++) {
      await store.accept({
        id: `d${d}`,
        events: Array.from({ length: 100 }, (_, i) => event(`00u${d}-${i}`)),
      });
    }
    // The connection itself checkpoints only past 64 MB of WAL: the file grows by the other thread.
    await waitFor(() => statSync(file).size > before, "a checkpoint into bridge.db");
    const stats = await store.stats();
    assert.equal(stats.pending, 2_000);
  } finally {
    await store.close();
  }
});
