import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openSqliteStore } from "../src/store/sqlite-store.ts";
import { event, runStoreContract } from "./support/store-contract.ts";

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
