import assert from "./support/assert.ts";
import { afterEach, test } from "node:test";
import { PATCH_OP_SCHEMA } from "../sim/scim-patch.ts";
import { startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

test("an Okta update PATCHes only what changed; an admin's role and work2 phone survive", async () => {
  h = await startHarness();
  const { okta, genesys } = h;
  const { user, events } = okta.createUser(person(1));
  await h.deliver(events);
  await h.settle();
  const created = genesys.findByExternalId(user.id);
  assert.ok(created);
  // An admin gives the agent a role and a second work phone in Genesys.
  genesys.editUser(created.id, {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [
      { op: "add", path: "roles", value: [{ value: "Supervisor" }] },
      { op: "add", path: "phoneNumbers", value: [{ type: "work2", value: "+1 555 0777" }] },
    ],
  });
  genesys.resetStats();

  await h.deliver(okta.updateProfile(user.id, { title: "Team Lead" }).events);
  await h.settle();
  const after = genesys.findByExternalId(user.id);
  assert.equal(after?.title, "Team Lead");
  assert.deepEqual(after?.roles, [{ value: "Supervisor" }], "the admin's role is kept");
  assert.equal(after?.phoneNumbers?.find((p) => p.type === "work2")?.value, "+1 555 0777");
  assert.equal(after?.phoneNumbers?.find((p) => p.type === "work")?.value, person(1).primaryPhone);
  // The If-Match of the last write was stale (the admin wrote since): 400 invalidVers, re-read, PATCH.
  const stats = genesys.stats();
  assert.equal(stats.byMethod["PUT"], undefined, "never a PUT");
  assert.equal(stats.byMethod["PATCH"], 2);
  assert.equal(stats.byStatus["400"], 1);
  assert.ok(h.logs.every((line) => !/dead-lettered/.test(line)));
});

test("a second update needs one PATCH of the changed attribute, under the version last seen", async () => {
  h = await startHarness();
  const { okta, genesys } = h;
  const { user, events } = okta.createUser(person(2));
  await h.deliver(events);
  await h.settle();
  genesys.resetStats();
  await h.deliver(okta.updateProfile(user.id, { mobilePhone: "+1 555 0123" }).events);
  await h.settle();
  await h.deliver(okta.updateProfile(user.id, { mobilePhone: null, department: "Sales" }).events);
  await h.settle();
  const stats = genesys.stats();
  assert.deepEqual(stats.byMethod, { PATCH: 2 }, "no lookup, no PUT");
  const g = genesys.findByExternalId(user.id);
  assert.equal(
    g?.phoneNumbers?.find((p) => p.type === "mobile"),
    undefined,
    "a cleared phone is removed",
  );
  assert.equal(g?.["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?.department, "Sales");
});

test("ownership on the create path: a userName held by another externalId is a dead letter naming it", async () => {
  h = await startHarness();
  const holder = h.genesys.seedUser({
    userName: "user3@example.com",
    displayName: "Someone Else",
    externalId: "00uSomeoneElse000001",
    active: true,
  });
  const { user, events } = h.okta.createUser(person(3));
  await h.deliver(events);
  await h.settle();
  const [dead] = await h.bridge.store.listDeadLetters(10);
  assert.equal(dead?.oktaUserId, user.id);
  assert.equal(dead?.status, 409);
  assert.match(dead?.reason ?? "", new RegExp(`Genesys user ${holder.id} .*00uSomeoneElse000001`));
  assert.equal(h.genesys.users().length, 1, "nothing created");
  assert.equal(h.genesys.users()[0]?.displayName, "Someone Else", "nothing overwritten");
});

test("ownership on the update path: an unknown user's userName held by another externalId is a dead letter", async () => {
  h = await startHarness();
  const { user } = h.okta.createUser(person(4));
  const holder = h.genesys.seedUser({
    userName: "user4@example.com",
    displayName: "Someone Else",
    externalId: "00uSomeoneElse000002",
    active: true,
  });
  // The bridge never wrote this user: an update_profile is the first it hears of it.
  await h.deliver(h.okta.updateProfile(user.id, { title: "Lead" }).events);
  await h.settle();
  const [dead] = await h.bridge.store.listDeadLetters(10);
  assert.equal(dead?.oktaUserId, user.id);
  assert.match(dead?.reason ?? "", new RegExp(`Genesys user ${holder.id} .*00uSomeoneElse000002`));
  assert.equal(h.genesys.users()[0]?.title, undefined, "nothing overwritten");
  assert.equal(h.genesys.stats().writes, 0);
});

test("an update for an unknown user whose Genesys user has an empty externalId adopts it", async () => {
  h = await startHarness();
  const { user } = h.okta.createUser(person(5));
  h.genesys.seedUser({ userName: "user5@example.com", displayName: "Old", active: true });
  await h.deliver(h.okta.updateProfile(user.id, { title: "Lead" }).events);
  await h.settle();
  const all = h.genesys.users();
  assert.equal(all.length, 1);
  assert.equal(all[0]?.externalId, user.id);
  assert.equal(all[0]?.title, "Lead");
});
