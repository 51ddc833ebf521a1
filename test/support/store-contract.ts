import assert from "./assert.ts";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { Lane } from "../../src/lane.ts";
import type { InboxEvent, PendingAction, PendingWork, Store, UserChange } from "../../src/store/store.ts";

/** Builds a fresh, empty store that reads time from `clock` (a temp SQLite dir, a unique Redis prefix). */
export type MakeStore = (options: { clock: () => number }) => Promise<Store>;

const T0 = 1_750_000_000_000;
const LEASE_MS = 10_000;

export function change(
  oktaUserId: string,
  overrides: Partial<Omit<UserChange, "oktaUserId">> = {},
): UserChange {
  return {
    oktaUserId,
    action: "sync",
    lane: "live",
    published: "2026-01-01T00:00:00.000Z",
    created: false,
    ...overrides,
  };
}

let uuids = 0;
/** An event asking for `action` on the user (or nothing, when `oktaUserId` is undefined). */
export function event(
  oktaUserId: string | undefined,
  options: { uuid?: string; action?: PendingAction; created?: boolean; published?: string; lane?: Lane } = {},
): InboxEvent {
  const published = options.published ?? "2026-01-01T00:00:00.000Z";
  return {
    uuid: options.uuid ?? `evt-${++uuids}-${Math.random().toString(36).slice(2)}`,
    eventType:
      options.action === "delete" ? "user.lifecycle.delete.initiated" : "user.account.update_profile",
    published,
    change:
      oktaUserId === undefined
        ? undefined
        : change(oktaUserId, {
            action: options.action ?? "sync",
            created: options.created ?? false,
            published,
            lane: options.lane ?? "live",
          }),
  };
}

/**
 * The behaviour every Store must show, written once and run for each implementation (SQLite, Redis),
 * as abstract-level and keyv do for their stores. Time is a number the tests move, never a sleep.
 */
export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    let now = T0;
    let store: Store;
    const advance = (ms: number) => {
      now += ms;
    };
    const accept = (...events: InboxEvent[]) => store.accept({ id: `delivery-${++uuids}`, events });
    const claimAll = (lane?: Lane) =>
      store.claim({ limit: 100, leaseMs: LEASE_MS, ...(lane === undefined ? {} : { lane }) });
    const claimOne = async (oktaUserId: string): Promise<PendingWork> => {
      const work = (await claimAll()).find((w) => w.oktaUserId === oktaUserId);
      assert.ok(work, `${oktaUserId} is due`);
      return work;
    };

    beforeEach(async () => {
      now = T0;
      store = await makeStore({ clock: () => now });
    });
    afterEach(async () => {
      await store.close();
    });

    describe("event inbox", () => {
      test("stores a delivery's events, counting those that ask for a change", async () => {
        const result = await accept(event("00uA"), event("00uA"), event("00uB"), event(undefined));
        assert.deepEqual(result, { stored: 4, queued: 3, duplicates: 0 });
        assert.equal((await store.stats()).pending, 2, "one pending change per user");
      });

      test("a redelivered event is a duplicate and changes nothing", async () => {
        const first = event("00uA", { uuid: "evt-same" });
        await accept(first);
        const again = await accept(first, event(undefined, { uuid: "evt-ignored" }));
        assert.deepEqual(again, { stored: 1, queued: 0, duplicates: 1 });
        const [work] = await claimAll();
        assert.equal(work?.version, 1, "the duplicate did not fold into the change");
      });

      test("a duplicate's change is skipped while a fresh event in the same delivery is folded", async () => {
        const sync = event("00uA", { uuid: "evt-sync" });
        await accept(sync);
        await accept(sync, event("00uA", { uuid: "evt-delete", action: "delete" }));
        const work = await claimOne("00uA");
        assert.equal(work.action, "delete");
        assert.equal(work.version, 2);
      });

      test("deliveries stored at the same time each get their own counts, and a shared uuid is stored once", async () => {
        const shared = event("00uShared", { uuid: "evt-shared" });
        const deliveries = Array.from({ length: 20 }, (_, i) => [event(`00u${i}`), event(`00u${i}`), shared]);
        const results = await Promise.all(deliveries.map((events) => accept(...events)));
        for (const r of results) assert.equal(r.stored + r.duplicates, 3);
        assert.equal(
          results.reduce((n, r) => n + r.stored, 0),
          41,
          "40 own events and the shared one once",
        );
        assert.equal((await store.stats()).pending, 21);
      });
    });

    describe("coalescing", () => {
      test("a delete is final: a later sync event leaves it a delete", async () => {
        await accept(event("00uA", { action: "delete" }));
        await accept(event("00uA"));
        assert.equal((await claimOne("00uA")).action, "delete");
      });

      test("a create anywhere among the events is kept", async () => {
        await accept(event("00uA", { created: true }), event("00uA"));
        await accept(event("00uA"));
        assert.equal((await claimOne("00uA")).created, true);
      });

      test("live beats bulk, and a live change makes bulk work waiting out a backoff due at once", async () => {
        await store.enqueue([change("00uA", { lane: "bulk" })]);
        const work = await claimOne("00uA");
        assert.equal(work.lane, "bulk");
        assert.equal(await store.reschedule(work, now + 60_000, true), true);
        assert.deepEqual(await claimAll(), [], "backing off");
        await accept(event("00uA"));
        const again = await claimOne("00uA");
        assert.equal(again.lane, "live");
      });

      test("a bulk change does not demote live work", async () => {
        await accept(event("00uA"));
        await store.enqueue([change("00uA", { lane: "bulk" })]);
        assert.equal((await claimOne("00uA")).lane, "live");
        assert.equal(await store.pendingInLane("bulk"), 0);
      });
    });

    describe("work queue and leases", () => {
      test("claims live work first, then the oldest, and each user once while leased", async () => {
        await store.enqueue([change("00uBulk1", { lane: "bulk" })]);
        advance(1);
        await accept(event("00uLive1"));
        advance(1);
        await store.enqueue([change("00uBulk2", { lane: "bulk" })]);
        advance(1);
        await accept(event("00uLive2"));
        const first = await store.claim({ limit: 3, leaseMs: LEASE_MS });
        assert.deepEqual(
          first.map((w) => w.oktaUserId),
          ["00uLive1", "00uLive2", "00uBulk1"],
        );
        const rest = await claimAll();
        assert.deepEqual(
          rest.map((w) => w.oktaUserId),
          ["00uBulk2"],
        );
        assert.deepEqual(await claimAll(), [], "everything is leased");
      });

      test("a lane filter claims only that lane", async () => {
        await store.enqueue([change("00uBulk", { lane: "bulk" })]);
        await accept(event("00uLive"));
        assert.deepEqual(
          (await claimAll("bulk")).map((w) => w.oktaUserId),
          ["00uBulk"],
        );
        assert.deepEqual(
          (await claimAll("live")).map((w) => w.oktaUserId),
          ["00uLive"],
        );
      });

      test("a lease carries an expiry from the store's clock and a token that grows with every claim", async () => {
        await accept(event("00uA"), event("00uB"));
        const [a, b] = await claimAll();
        assert.ok(a && b);
        assert.equal(a.lease.expiresAt, now + LEASE_MS);
        assert.notEqual(a.lease.token, b.lease.token);
        assert.equal(await store.release(a), true);
        const again = await claimOne("00uA");
        assert.ok(again.lease.token > Math.max(a.lease.token, b.lease.token));
      });

      test("an expired lease is claimed by anyone, and the overtaken holder can no longer act", async () => {
        await accept(event("00uA"));
        const stale = await claimOne("00uA");
        advance(LEASE_MS - 1);
        assert.deepEqual(await claimAll(), [], "still leased");
        advance(1);
        const fresh = await claimOne("00uA");
        assert.ok(fresh.lease.token > stale.lease.token);
        assert.equal(await store.complete(stale), "lost");
        assert.equal(await store.renew(stale, LEASE_MS), undefined);
        assert.equal(await store.reschedule(stale, now + 60_000, true), false);
        assert.equal(await store.release(stale), false);
        assert.equal(await store.deadLetter(stale, 400, "stale", now), "lost");
        assert.equal((await store.stats()).deadLetters, 0);
        assert.equal(await store.complete(fresh), "done");
        assert.equal((await store.stats()).pending, 0);
      });

      test("a holder whose lease expired cannot complete even when nobody claimed it since", async () => {
        await accept(event("00uA"));
        const work = await claimOne("00uA");
        advance(LEASE_MS);
        assert.equal(await store.complete(work), "lost");
        assert.equal((await store.stats()).pending, 1, "the change stays for the next claim");
        assert.equal((await claimOne("00uA")).version, work.version);
      });

      test("renewing extends the lease from now", async () => {
        await accept(event("00uA"));
        const work = await claimOne("00uA");
        advance(LEASE_MS - 1);
        const lease = await store.renew(work, LEASE_MS);
        assert.deepEqual(lease, { token: work.lease.token, expiresAt: now + LEASE_MS });
        advance(LEASE_MS - 1);
        assert.deepEqual(await claimAll(), [], "the renewed lease holds");
        assert.equal(await store.complete(work), "done");
      });

      test("an event during the sync makes complete keep the change, due at once with the newer version", async () => {
        await accept(event("00uA"));
        const work = await claimOne("00uA");
        await accept(event("00uA"));
        assert.equal(await store.complete(work), "again");
        const next = await claimOne("00uA");
        assert.ok(next.version > work.version);
        assert.equal(await store.complete(next), "done");
        assert.equal((await store.stats()).pending, 0);
      });

      test("release gives the work back untouched and due at once", async () => {
        await accept(event("00uA"));
        const work = await claimOne("00uA");
        assert.equal(await store.release(work), true);
        const again = await claimOne("00uA");
        assert.equal(again.attempts, 0);
        assert.equal(again.version, work.version);
      });

      test("reschedule waits until notBefore and counts an attempt only when asked", async () => {
        await accept(event("00uA"));
        const work = await claimOne("00uA");
        assert.equal(await store.reschedule(work, now + 5_000, false), true);
        assert.deepEqual(await claimAll(), []);
        advance(5_000);
        const throttled = await claimOne("00uA");
        assert.equal(throttled.attempts, 0, "throttling is not an attempt");
        assert.equal(await store.reschedule(throttled, now + 1_000, true), true);
        advance(1_000);
        assert.equal((await claimOne("00uA")).attempts, 1);
      });
    });

    describe("dead letters", () => {
      test("a parked change leaves the queue with its reason, and a newer event revives it", async () => {
        await accept(event("00uA"));
        const work = await claimOne("00uA");
        assert.equal(await store.deadLetter(work, 400, "bad request", now), "done");
        assert.deepEqual(await store.listDeadLetters(10), [
          { oktaUserId: "00uA", action: "sync", status: 400, reason: "bad request", attempts: 1, at: now },
        ]);
        const stats = await store.stats();
        assert.equal(stats.pending, 0);
        assert.equal(stats.deadLetters, 1);
        await accept(event("00uA"));
        assert.deepEqual(await store.listDeadLetters(10), []);
        assert.equal((await claimOne("00uA")).lane, "live");
      });

      test("only the version that failed is parked: newer changes get their own try", async () => {
        await accept(event("00uA"));
        const work = await claimOne("00uA");
        await accept(event("00uA"));
        assert.equal(await store.deadLetter(work, undefined, "unexpected", now), "again");
        assert.equal((await store.stats()).deadLetters, 0);
        assert.ok((await claimOne("00uA")).version > work.version);
      });

      test("retrying one dead letter or all of them queues them again as live work", async () => {
        await accept(event("00uA"), event("00uB", { action: "delete" }), event("00uC"));
        for (const work of await claimAll()) await store.deadLetter(work, 403, "forbidden", now);
        assert.equal(await store.retryDeadLetters("00uA", now), 1);
        assert.equal(await store.retryDeadLetters("00uNobody", now), 0);
        assert.deepEqual(
          (await claimAll()).map((w) => w.oktaUserId),
          ["00uA"],
        );
        assert.equal(await store.retryDeadLetters(undefined, now), 2);
        const revived = await claimAll();
        assert.deepEqual(revived.map((w) => [w.oktaUserId, w.action, w.lane]).sort(), [
          ["00uB", "delete", "live"],
          ["00uC", "sync", "live"],
        ]);
        assert.equal((await store.stats()).deadLetters, 0);
      });
    });

    describe("user records", () => {
      test("keeps the Genesys id and body hash per Okta user, the last save winning", async () => {
        assert.equal(await store.getUser("00uA"), undefined);
        await store.saveUser({ oktaUserId: "00uA", genesysId: "g-1", bodyHash: "h1", deleted: false });
        await store.saveUser({ oktaUserId: "00uA", genesysId: "g-1", bodyHash: undefined, deleted: true });
        await store.saveUser({
          oktaUserId: "00uB",
          genesysId: undefined,
          bodyHash: undefined,
          deleted: false,
        });
        assert.deepEqual(await store.getUser("00uA"), {
          oktaUserId: "00uA",
          genesysId: "g-1",
          bodyHash: undefined,
          deleted: true,
        });
        assert.equal((await store.getUser("00uB"))?.genesysId, undefined);
      });

      test("keeps what was written and the Genesys version, for the next PATCH and its If-Match", async () => {
        const written = JSON.stringify({ title: "Agent", active: true });
        await store.saveUser({
          oktaUserId: "00uA",
          genesysId: "g-1",
          bodyHash: "h1",
          deleted: false,
          written,
          version: 'W/"7"',
        });
        assert.deepEqual(await store.getUser("00uA"), {
          oktaUserId: "00uA",
          genesysId: "g-1",
          bodyHash: "h1",
          deleted: false,
          written,
          version: 'W/"7"',
        });
        // A later save without them (a delete) drops them.
        await store.saveUser({
          oktaUserId: "00uA",
          genesysId: undefined,
          bodyHash: undefined,
          deleted: true,
        });
        const deleted = await store.getUser("00uA");
        assert.equal(deleted?.written, undefined);
        assert.equal(deleted?.version, undefined);
      });

      test("finds the Okta users of Genesys ids, leaving out unknown and deleted ones", async () => {
        await store.saveUser({ oktaUserId: "00uA", genesysId: "g-1", bodyHash: undefined, deleted: false });
        await store.saveUser({ oktaUserId: "00uB", genesysId: "g-2", bodyHash: undefined, deleted: false });
        await store.saveUser({ oktaUserId: "00uC", genesysId: "g-3", bodyHash: undefined, deleted: true });
        const owners = await store.ownersOf(["g-1", "g-2", "g-3", "g-unknown"]);
        assert.deepEqual([...owners].sort(), [
          ["g-1", "00uA"],
          ["g-2", "00uB"],
        ]);
        assert.equal((await store.ownersOf([])).size, 0);
      });
    });

    describe("group queue", () => {
      const group = (oktaGroupId: string, name = oktaGroupId) => ({ oktaGroupId, name });
      const claimGroups = () => store.claimGroups({ limit: 10, leaseMs: LEASE_MS });

      test("membership events of a delivery fold into one pending row per group, with the delivery", async () => {
        const add = (g: string) => ({
          ...event(undefined),
          eventType: "group.user_membership.add",
          group: group(g),
        });
        const result = await accept(add("00gA"), add("00gA"), add("00gB"));
        assert.equal(result.queued, 3);
        await accept(add("00gA"));
        assert.equal(await store.pendingGroups(), 2);
        const claimed = await claimGroups();
        assert.deepEqual(claimed.map((w) => [w.oktaGroupId, w.version]).sort(), [
          ["00gA", 3],
          ["00gB", 1],
        ]);
        assert.deepEqual(await claimGroups(), [], "leased groups are not handed out twice");
      });

      test("a change folded in while a group is synced makes it due again; otherwise completing removes it", async () => {
        await store.enqueueGroups([group("00gA", "Support")]);
        const [first] = await claimGroups();
        assert.equal(first?.name, "Support");
        assert.equal(first?.enqueuedAt, now);
        await store.enqueueGroups([group("00gA", "Support")]);
        assert.equal(await store.completeGroup(first!), "again");
        const [second] = await claimGroups();
        assert.equal(second?.version, 2);
        assert.equal(second?.enqueuedAt, first?.enqueuedAt, "a later change does not move the first time");
        assert.equal(await store.completeGroup(second!), "done");
        assert.equal(await store.pendingGroups(), 0);
      });

      test("a rescheduled group waits, counts the attempt when asked, and a lost lease changes nothing", async () => {
        await store.enqueueGroups([group("00gA")]);
        const [work] = await claimGroups();
        assert.equal(await store.rescheduleGroup(work!, now + 5_000, true), true);
        assert.deepEqual(await claimGroups(), []);
        advance(5_000);
        const [again] = await claimGroups();
        assert.equal(again?.attempts, 1);
        assert.equal(await store.completeGroup(work!), "lost", "the old lease is fenced off");
        advance(LEASE_MS + 1);
        assert.equal(await store.releaseGroup(again!), false, "an expired lease is lost");
        assert.equal((await claimGroups()).length, 1);
      });
    });

    describe("reconcile runs", () => {
      test("a run keeps its checkpoint, snapshot and page commits until it finishes", async () => {
        assert.equal(await store.latestReconcileRun(), undefined);
        await store.beginReconcileRun("run-1", now, '{"phase":"genesys"}');
        await store.addReconcileGenesysPage(
          "run-1",
          [
            { genesysId: "g-1", json: '{"id":"g-1"}' },
            { genesysId: "g-2", json: '{"id":"g-2"}' },
          ],
          '{"phase":"genesys","page":1}',
        );
        assert.equal((await store.unfinishedReconcileRun())?.checkpoint, '{"phase":"genesys","page":1}');
        await store.commitReconcileOktaPage("run-1", {
          changes: [change("00uA", { lane: "bulk" })],
          users: [{ oktaUserId: "00uB", genesysId: "g-2", bodyHash: "h", deleted: false }],
          matchedGenesysIds: ["g-2"],
          checkpoint: '{"phase":"okta","after":"00uB"}',
        });
        assert.deepEqual(
          (await store.reconcileSnapshot("run-1")).sort((a, b) => a.genesysId.localeCompare(b.genesysId)),
          [
            { genesysId: "g-1", json: '{"id":"g-1"}', matched: false },
            { genesysId: "g-2", json: '{"id":"g-2"}', matched: true },
          ],
        );
        assert.equal((await store.getUser("00uB"))?.genesysId, "g-2");
        assert.equal(await store.pendingInLane("bulk"), 1);
        await store.saveReconcileCheckpoint("run-1", '{"phase":"done"}');
        const unfinished = await store.unfinishedReconcileRun();
        assert.deepEqual(unfinished, {
          id: "run-1",
          startedAt: T0,
          finishedAt: undefined,
          checkpoint: '{"phase":"done"}',
          report: undefined,
        });
        advance(500);
        await store.finishReconcileRun("run-1", now, '{"ok":true}');
        assert.equal(await store.unfinishedReconcileRun(), undefined);
        const latest = await store.latestReconcileRun();
        assert.equal(latest?.finishedAt, now);
        assert.equal(latest?.report, '{"ok":true}');
        assert.deepEqual(await store.reconcileSnapshot("run-1"), [], "the snapshot is dropped");
      });

      test("beginning a run drops an unfinished earlier one and its snapshot", async () => {
        await store.beginReconcileRun("run-1", now, "{}");
        await store.addReconcileGenesysPage("run-1", [{ genesysId: "g-1", json: "{}" }], "{}");
        advance(1);
        await store.beginReconcileRun("run-2", now, "{}");
        assert.equal((await store.unfinishedReconcileRun())?.id, "run-2");
        assert.equal((await store.latestReconcileRun())?.id, "run-2");
        assert.deepEqual(await store.reconcileSnapshot("run-1"), []);
      });
    });

    describe("stats and lanes", () => {
      test("count pending work per lane, leased included, and the oldest enqueue time", async () => {
        assert.deepEqual(await store.stats(), { pending: 0, oldestEnqueuedAt: undefined, deadLetters: 0 });
        await accept(event("00uA"));
        const first = now;
        advance(1_000);
        await store.enqueue([change("00uB", { lane: "bulk" }), change("00uC", { lane: "bulk" })]);
        await claimAll("bulk");
        assert.equal(await store.pendingInLane("live"), 1);
        assert.equal(await store.pendingInLane("bulk"), 2);
        assert.deepEqual(await store.stats(), { pending: 3, oldestEnqueuedAt: first, deadLetters: 0 });
        assert.equal(await store.writable(), true);
      });
    });
  });
}
