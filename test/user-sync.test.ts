import assert from "./support/assert.ts";
import { afterEach, test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import { hookEnvelope } from "../sim/okta-hook-delivery.ts";
import { HOOK_SECRET, startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";
import { waitFor } from "./support/wait-for.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function assertInStep(harness: Harness) {
  await harness.settle();
  const diff = diffDirectories(harness.okta.users(), harness.genesys.users());
  assert.deepEqual(diff.differences, [], "Genesys matches Okta");
  return diff;
}

test("every lifecycle event brings the Genesys user to Okta's state", async () => {
  h = await startHarness();
  const { okta, genesys } = h;
  const { user, events } = okta.createUser(person(1));
  await h.deliver(events);
  await assertInStep(h);
  assert.equal(genesys.findByExternalId(user.id)?.active, true);

  await h.deliver(okta.updateProfile(user.id, { title: "Supervisor", mobilePhone: "+1 555 0199" }).events);
  await assertInStep(h);
  assert.equal(genesys.findByExternalId(user.id)?.title, "Supervisor");

  await h.deliver(okta.suspend(user.id).events);
  await assertInStep(h);
  assert.equal(genesys.findByExternalId(user.id)?.active, false);

  await h.deliver(okta.unsuspend(user.id).events);
  await assertInStep(h);
  assert.equal(genesys.findByExternalId(user.id)?.active, true);

  await h.deliver(okta.deactivate(user.id).events);
  await assertInStep(h);
  assert.equal(genesys.findByExternalId(user.id)?.active, false);

  await h.deliver(okta.reactivate(user.id).events);
  await assertInStep(h);
  assert.equal(genesys.findByExternalId(user.id)?.active, true, "PROVISIONED is still employed");

  await h.deliver(okta.deactivate(user.id).events);
  await h.deliver(okta.deleteUser(user.id).events);
  await assertInStep(h);
  assert.equal(genesys.findByExternalId(user.id), undefined, "deleted in Genesys");
  assert.equal(genesys.stats().byMethod["DELETE"], 1);
});

test("a STAGED user is not pushed until Okta activates it", async () => {
  h = await startHarness();
  const { user, events } = h.okta.createUser(person(2), { status: "STAGED" });
  await h.deliver(events);
  await h.settle();
  assert.equal(h.genesys.users().length, 0);
  await h.deliver(h.okta.activate(user.id).events);
  await assertInStep(h);
  assert.equal(h.genesys.users().length, 1);
});

test("100 updates for one user cost one Okta read and one Genesys write", async () => {
  h = await startHarness({ bridge: { startDispatcher: false } });
  const { user, events } = h.okta.createUser(person(3));
  await h.deliver(events);
  for (let i = 0; i < 100; i++) {
    await h.deliver(h.okta.updateProfile(user.id, { title: `Title ${i}` }).events);
  }
  h.bridge.dispatcher.start();
  await assertInStep(h);
  assert.equal(h.okta.stats().userReads, 1);
  assert.equal(h.genesys.stats().writes, 1);
  assert.equal(h.genesys.findByExternalId(user.id)?.title, "Title 99");
});

test("a delivery sent twice is stored once and written once", async () => {
  h = await startHarness({ bridge: { startDispatcher: false } });
  const { events } = h.okta.createUser(person(4));
  const body = JSON.stringify(hookEnvelope(events));
  for (let i = 0; i < 2; i++) {
    const res: Response = await fetch(`${h.url}/okta/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: HOOK_SECRET },
      body,
    });
    assert.equal(res.status, 200);
  }
  h.bridge.dispatcher.start();
  await assertInStep(h);
  assert.equal(h.genesys.stats().writes, 1);
  assert.match(
    await (await fetch(`${h.url}/metrics`)).text(),
    /bridge_hook_events_total\{outcome="duplicate"\} 2/,
  );
});

test("events delivered out of order still leave Okta's newest state in Genesys", async () => {
  h = await startHarness();
  const { okta } = h;
  const { user, events: created } = okta.createUser(person(5));
  const first = okta.updateProfile(user.id, { title: "First" }).events;
  const second = okta.updateProfile(user.id, { title: "Second" }).events;
  const suspended = okta.suspend(user.id).events;
  await h.deliver([...suspended, ...second]);
  await h.deliver([...first, ...created]);
  await assertInStep(h);
  const g = h.genesys.findByExternalId(user.id);
  assert.equal(g?.title, "Second");
  assert.equal(g?.active, false);

  // A delete that arrives before older updates still wins: Okta never reuses a user id.
  const { user: other, events: otherCreated } = okta.createUser(person(6));
  await h.deliver(otherCreated);
  await h.settle();
  const late = okta.updateProfile(other.id, { title: "Late" }).events;
  okta.deactivate(other.id);
  const deleted = okta.deleteUser(other.id).events;
  await h.deliver(deleted);
  await h.deliver(late);
  await assertInStep(h);
  assert.equal(h.genesys.findByExternalId(other.id), undefined);
});

test("an event that arrives while the user's write is in flight causes one more sync, never a stale write", async () => {
  h = await startHarness({ genesys: { latencyMs: 150 } });
  const { user, events } = h.okta.createUser(person(7));
  await h.deliver(events);
  // Once the sync has read the user from Okta, the write it makes carries the old title.
  await waitFor(() => h?.okta.stats().userReads === 1, "the sync to read the user from Okta");
  await h.deliver(h.okta.updateProfile(user.id, { title: "Changed mid-flight" }).events);
  await assertInStep(h);
  assert.equal(h.genesys.findByExternalId(user.id)?.title, "Changed mid-flight");
  assert.equal(h.genesys.stats().writes, 2);
});

test("an update that changes nothing Genesys holds costs no Genesys request", async () => {
  h = await startHarness();
  const { user, events } = h.okta.createUser(person(8));
  await h.deliver(events);
  await assertInStep(h);
  const before = h.genesys.stats().requests;
  // Okta emits update_profile for attributes the mapping does not carry (here: the manager's id).
  await h.deliver(h.okta.updateProfile(user.id, { managerId: "00u0000000000000mgr" }).events);
  await assertInStep(h);
  assert.equal(h.genesys.stats().requests, before);
  assert.equal(h.okta.stats().userReads, 2);
});

test("a user who already exists in Genesys is adopted, not duplicated", async () => {
  h = await startHarness();
  h.genesys.seedUser({ userName: "user9@example.com", displayName: "Old Name", active: true });
  const { user, events } = h.okta.createUser(person(9));
  await h.deliver(events);
  await assertInStep(h);
  const all = h.genesys.users().filter((u) => u.userName === "user9@example.com");
  assert.equal(all.length, 1);
  assert.equal(all[0]?.externalId, user.id);
  // POST (409) + lookup by userName + PATCH.
  const stats = h.genesys.stats();
  assert.equal(stats.requests - stats.tokenRequests, 3);
  assert.equal(stats.byStatus["409"], 1);
  assert.equal(stats.lookups, 1);
  assert.equal(stats.byMethod["PATCH"], 1);
});

test("an update for a user the bridge never wrote costs one lookup, then the write", async () => {
  h = await startHarness();
  const { user } = h.okta.createUser(person(10));
  h.genesys.seedUser({
    userName: "user10@example.com",
    displayName: "Someone",
    externalId: user.id,
    active: true,
  });
  await h.deliver(h.okta.updateProfile(user.id, { title: "Lead" }).events);
  await assertInStep(h);
  assert.equal(h.genesys.stats().lookups, 1);
  assert.equal(h.genesys.stats().writes, 1);
});

test("an update for an unknown user that is inactive in Genesys never repeats a lookup", async () => {
  h = await startHarness();
  const { user } = h.okta.createUser(person(11));
  h.genesys.seedUser({
    userName: "user11@example.com",
    displayName: "Parked",
    externalId: user.id,
    active: false,
  });
  await h.deliver(h.okta.updateProfile(user.id, { title: "Back" }).events);
  await assertInStep(h);
  const stats = h.genesys.stats();
  // userName (empty: inactive users are hidden) → POST 409 → externalId → userName among inactive → PATCH.
  assert.equal(stats.byStatus["409"], 1);
  assert.equal(stats.lookups, 3);
  assert.equal(stats.writes, 1);
});

test("a restarted bridge on the same DATA_DIR finishes the pending work", async () => {
  h = await startHarness({ genesys: { rateLimit: { limit: 10, windowMs: 1000 } } });
  const created = [];
  for (let i = 0; i < 40; i++) created.push(...h.okta.createUser(person(100 + i)).events);
  await h.deliver(created, 20);
  // 10 writes a second: the first one lands long before the 40th.
  await waitFor(() => (h?.genesys.stats().writes ?? 0) > 0, "the first write");
  await h.restart();
  assert.ok((await h.bridge.store.stats()).pending > 0, "work was left pending at the restart");
  await assertInStep(h);
  assert.equal(h.genesys.users().length, 40);
});
