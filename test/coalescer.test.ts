import assert from "./support/assert.ts";
import { test } from "node:test";
import { toInboxEvents } from "../src/okta/inbox-events.ts";
import { coalesceChanges, foldChange, mergeChanges, type PendingChange } from "../src/store/coalescer.ts";
import type { UserChange } from "../src/store/user-change.ts";

const change = (overrides: Partial<UserChange> = {}): UserChange => ({
  oktaUserId: "00uA",
  action: "sync",
  lane: "live",
  published: "2026-01-01T00:00:00.000Z",
  created: false,
  ...overrides,
});

test("a delete is final whichever side it comes from", () => {
  assert.equal(mergeChanges(change({ action: "delete" }), change()).action, "delete");
  assert.equal(mergeChanges(change(), change({ action: "delete" })).action, "delete");
  assert.equal(mergeChanges(change(), change()).action, "sync");
});

test("live beats bulk, the newest published time and a create are kept", () => {
  const merged = mergeChanges(
    change({ lane: "bulk", published: "2026-01-02T00:00:00.000Z", created: true }),
    change({ lane: "live", published: "2026-01-01T00:00:00.000Z" }),
  );
  assert.deepEqual(merged, change({ lane: "live", published: "2026-01-02T00:00:00.000Z", created: true }));
  assert.equal(mergeChanges(change({ lane: "bulk" }), change({ lane: "bulk" })).lane, "bulk");
});

test("folding into nothing starts at version 1, due at once", () => {
  assert.deepEqual(foldChange(undefined, change()), { ...change(), version: 1, notBefore: 0 });
});

test("every fold bumps the version, so a sync in flight learns it must run once more", () => {
  const pending: PendingChange = { ...change(), version: 7, notBefore: 0 };
  assert.equal(foldChange(pending, change()).version, 8);
});

test("a live change clears a bulk backoff; a bulk change keeps it", () => {
  const backingOff: PendingChange = { ...change({ lane: "bulk" }), version: 1, notBefore: 99_000 };
  assert.equal(foldChange(backingOff, change({ lane: "live" })).notBefore, 0);
  assert.equal(foldChange(backingOff, change({ lane: "bulk" })).notBefore, 99_000);
  const liveBackingOff: PendingChange = { ...change(), version: 1, notBefore: 99_000 };
  assert.equal(foldChange(liveBackingOff, change()).notBefore, 99_000, "a retry's backoff stays");
});

test("a batch folds into one change per user, in order", () => {
  const byUser = coalesceChanges([
    change({ oktaUserId: "00uA", created: true }),
    change({ oktaUserId: "00uB" }),
    change({ oktaUserId: "00uA", action: "delete" }),
    change({ oktaUserId: "00uA" }),
  ]);
  assert.deepEqual([...byUser.keys()], ["00uA", "00uB"]);
  assert.deepEqual(byUser.get("00uA"), change({ action: "delete", created: true }));
});

test("Okta events become inbox events; only successful events of handled types on a user ask for a change", () => {
  const target = [{ id: "00uA", type: "User" }];
  const read = toInboxEvents([
    { uuid: "e1", eventType: "user.lifecycle.create", published: "2026-01-01T10:00:00Z", target },
    { uuid: "e2", eventType: "user.session.start", published: "2026-01-01T10:00:01Z", target },
    {
      uuid: "e3",
      eventType: "user.account.update_profile",
      published: "2026-01-01T10:00:02Z",
      target,
      outcome: { result: "FAILURE" },
    },
    {
      uuid: "e4",
      eventType: "user.lifecycle.delete.initiated",
      published: "2026-01-01T10:00:03Z",
      target: [],
    },
  ]);
  assert.equal(read.ignored, 3);
  assert.equal(read.users, 1);
  assert.deepEqual(read.events[0], {
    uuid: "e1",
    eventType: "user.lifecycle.create",
    published: "2026-01-01T10:00:00Z",
    change: {
      oktaUserId: "00uA",
      action: "sync",
      lane: "live",
      published: "2026-01-01T10:00:00.000Z",
      created: true,
    },
  });
  assert.deepEqual(
    read.events.map((e) => e.change),
    [read.events[0]?.change, undefined, undefined, undefined],
  );
});
