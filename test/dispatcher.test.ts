import assert from "./support/assert.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, test } from "node:test";
import { PermanentError, RetryLaterError, ThrottledError } from "../src/errors.ts";
import type { Lane } from "../src/lane.ts";
import { createLogger } from "../src/log.ts";
import { openSqliteStore } from "../src/store/sqlite-store.ts";
import type { PendingWork, Store } from "../src/store/store.ts";
import { createDispatcher, type Dispatcher, type DispatcherOptions } from "../src/sync/dispatcher.ts";
import type { SyncResult } from "../src/sync/sync-user.ts";
import { createManualClock, type ManualClock } from "./support/manual-clock.ts";
import { waitFor } from "./support/wait-for.ts";

interface Setup {
  store: Store;
  dispatcher: Dispatcher;
  clock: ManualClock;
  /** Every sync started, in order. */
  started: PendingWork[];
  /** store.claim calls so far: each is the dispatcher looking for work. */
  claims(): number;
  logs: Record<string, unknown>[];
  enqueue(users: string[], lane?: Lane): Promise<void>;
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A dispatcher on a real SQLite store in a temp dir; time (backoff, retry times) is a manual clock. */
function setup(
  sync: (work: PendingWork) => Promise<SyncResult>,
  options: Partial<DispatcherOptions> = {},
): Setup {
  const dataDir = mkdtempSync(join(tmpdir(), "dispatcher-"));
  const clock = createManualClock();
  const sqlite = openSqliteStore({ dataDir, clock: () => clock.now() });
  let claims = 0;
  const store: Store = {
    ...sqlite,
    claim: (request) => {
      claims += 1;
      return sqlite.claim(request);
    },
  };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const started: PendingWork[] = [];
  const dispatcher = createDispatcher({
    store,
    log: createLogger({ level: "debug", destination: sink }),
    clock,
    concurrency: 4,
    pollMs: 10,
    sync: (work) => {
      started.push(work);
      return sync(work);
    },
    ...options,
  });
  cleanup = async () => {
    await dispatcher.stop(1_000);
    await sqlite.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const published = new Date(clock.now()).toISOString();
  return {
    store,
    dispatcher,
    clock,
    started,
    claims: () => claims,
    logs,
    enqueue: (users, lane = "live") =>
      store.enqueue(
        users.map((oktaUserId) => ({ oktaUserId, action: "sync", lane, published, created: false })),
      ),
  };
}

/** A sync that waits until the test lets it finish. */
function heldSyncs() {
  const waiting = new Map<string, (result: SyncResult) => void>();
  return {
    sync: (work: PendingWork) =>
      new Promise<SyncResult>((resolve) => {
        waiting.set(work.oktaUserId, resolve);
      }),
    finish(oktaUserId: string, result: SyncResult = "updated") {
      waiting.get(oktaUserId)?.(result);
      waiting.delete(oktaUserId);
    },
    finishAll() {
      for (const id of [...waiting.keys()]) this.finish(id);
    },
  };
}

test("every queued user is synced once, and a lane's listeners hear only that lane's results", async () => {
  const s = setup(async (work) => (work.lane === "bulk" ? "created" : "updated"));
  const bulkResults: SyncResult[] = [];
  s.dispatcher.onSynced("bulk", (result) => bulkResults.push(result));
  await s.enqueue(["00uA", "00uB", "00uC"]);
  await s.enqueue(["00uX", "00uY"], "bulk");
  s.dispatcher.start();
  await s.dispatcher.idle();
  assert.deepEqual(s.started.map((w) => w.oktaUserId).sort(), ["00uA", "00uB", "00uC", "00uX", "00uY"]);
  assert.deepEqual(bulkResults, ["created", "created"]);
  assert.equal((await s.store.stats()).pending, 0);
});

test("a change that arrives while its user is syncing makes one more sync of that user", async () => {
  const held = heldSyncs();
  const s = setup(held.sync);
  await s.enqueue(["00uA"]);
  s.dispatcher.start();
  await waitFor(() => s.started.length === 1, "the first sync");
  await s.enqueue(["00uA"]);
  held.finish("00uA");
  await waitFor(() => s.started.length === 2, "the second sync");
  assert.equal(s.started[1]?.oktaUserId, "00uA");
  assert.ok((s.started[1]?.version ?? 0) > (s.started[0]?.version ?? 0), "the newer version is synced");
  held.finish("00uA");
  await s.dispatcher.idle();
  assert.equal(s.started.length, 2);
});

test("a permanent failure parks the user as a dead letter with its reason; the others carry on", async () => {
  const s = setup(async (work) => {
    if (work.oktaUserId === "00uBad") throw new PermanentError("no usable userName", 400);
    return "updated";
  });
  await s.enqueue(["00uBad", "00uGood"]);
  s.dispatcher.start();
  await s.dispatcher.idle();
  const [parked, ...others] = await s.store.listDeadLetters(10);
  assert.deepEqual(others, []);
  assert.equal(parked?.oktaUserId, "00uBad");
  assert.equal(parked?.status, 400);
  assert.equal(parked?.reason, "no usable userName");
  assert.equal(s.started.filter((w) => w.oktaUserId === "00uGood").length, 1);
});

test("a retry-later failure waits for its retry time, and throttling does not count as an attempt", async () => {
  const failures = [new ThrottledError("429 from Genesys", 0), new RetryLaterError("Genesys 503", 0)];
  const s = setup(async () => {
    const failure = failures.shift();
    if (failure === undefined) return "updated";
    Object.assign(failure, { retryAt: s.clock.now() + 60_000 });
    throw failure;
  });
  await s.enqueue(["00uA"]);
  s.dispatcher.start();
  const retryLogged = (n: number) => s.logs.filter((l) => l["msg"] === "user sync will retry").length === n;

  await waitFor(() => retryLogged(1), "the throttled sync to be rescheduled");
  await s.clock.advance(59_999);
  const claimsBefore = s.claims();
  await waitFor(() => s.claims() >= claimsBefore + 2, "the dispatcher to look for work twice more");
  assert.equal(s.started.length, 1, "nothing is tried before the retry time");
  await s.clock.advance(1);
  await waitFor(() => s.started.length === 2, "the retry");
  assert.equal(s.started[1]?.attempts, 0, "a 429 is not the user's fault");

  await waitFor(() => retryLogged(2), "the failed sync to be rescheduled");
  await s.clock.advance(60_000);
  await waitFor(() => s.started.length === 3, "the second retry");
  assert.equal(s.started[2]?.attempts, 1, "an outage counts as an attempt");
  await s.dispatcher.idle();
});

test("unexpected errors are retried with backoff, then dead-lettered after maxUnexpectedAttempts", async () => {
  const s = setup(
    async () => {
      throw new TypeError("cannot read properties of undefined");
    },
    { maxUnexpectedAttempts: 3 },
  );
  await s.enqueue(["00uA"]);
  s.dispatcher.start();
  for (let attempt = 1; attempt <= 3; attempt++) {
    await waitFor(() => s.started.length === attempt, `attempt ${attempt}`);
    // Backoff tops out at five minutes: past it, the retry is due whatever the jitter drew.
    if (attempt < 3) {
      await waitFor(
        () =>
          s.logs.filter((l) => l["msg"] === "user sync failed unexpectedly; will retry").length === attempt,
        "the reschedule",
      );
      await s.clock.advance(300_000);
    }
  }
  await s.dispatcher.idle();
  const [parked] = await s.store.listDeadLetters(10);
  assert.match(parked?.reason ?? "", /unexpected error: cannot read properties/);
  assert.equal(s.started.length, 3);
});

test("bulk work never takes the live reserve, and live work gets the reserved slot at once", async () => {
  const held = heldSyncs();
  const s = setup(held.sync, { concurrency: 4, liveReserve: 1 });
  await s.enqueue(
    Array.from({ length: 20 }, (_, i) => `00uBulk${i}`),
    "bulk",
  );
  s.dispatcher.start();
  await waitFor(() => s.started.length === 3, "three bulk syncs");
  const claimsBefore = s.claims();
  await waitFor(() => s.claims() >= claimsBefore + 2, "the dispatcher to look for work twice more");
  assert.equal(s.started.length, 3, "bulk work holds at most concurrency - reserve slots");

  await s.enqueue(["00uLive"]);
  s.dispatcher.notify();
  await waitFor(() => s.started.some((w) => w.lane === "live"), "the live sync");
  assert.equal(s.started.length, 4);
  held.finishAll();
});

test("stop waits for syncs in flight up to the grace period, then gives their users back to the queue", async () => {
  const held = heldSyncs();
  const s = setup(held.sync);
  await s.enqueue(["00uQuick", "00uStuck"]);
  s.dispatcher.start();
  await waitFor(() => s.started.length === 2, "both syncs");
  const stopped = s.dispatcher.stop(200);
  held.finish("00uQuick");
  await stopped;
  assert.equal(s.dispatcher.inFlight(), 1, "the stuck sync was not waited for past the grace");
  assert.equal(await s.store.pendingInLane("live"), 1, "its user stays queued");
  const [again] = await s.store.claim({ limit: 10, leaseMs: 1_000 });
  assert.equal(again?.oktaUserId, "00uStuck", "and is free to be claimed at once");
  held.finishAll();
});
