import assert from "./support/assert.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, test } from "node:test";
import { formatReport } from "../src/reconcile/reconcile-report.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

const dir = mkdtempSync(join(tmpdir(), "group-sync-"));
const mappingFile = join(dir, "mapping.json");
writeFileSync(mappingFile, JSON.stringify({ groups: { "Okta Sales": "Sales" } }));
after(() => rmSync(dir, { recursive: true, force: true }));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const env = { SYNC_GROUPS: "Support, Okta Sales, Missing", MAPPING_FILE: mappingFile };
const genesysIdOf = (oktaId: string) => h?.genesys.findByExternalId(oktaId)?.id ?? `none:${oktaId}`;
const sorted = (ids: readonly string[] | undefined) => [...(ids ?? [])].sort();

test("membership adds and removes in any order converge on Okta's membership; others are left alone", async () => {
  h = await startHarness({ env, bridge: { groups: { settleMs: 50, pollMs: 20 } } });
  const { okta, genesys } = h;
  const outsider = genesys.seedUser({
    userName: "contractor@example.com",
    displayName: "Contractor",
    active: true,
  });
  genesys.seedGroup("Support", [outsider.id]);
  genesys.seedGroup("Sales");
  genesys.seedGroup("Unlisted");
  const users = [1, 2, 3, 4, 5].map((n) => okta.createUser(person(n)));
  await h.deliver(users.flatMap((u) => u.events));
  await h.settle();

  const events: OktaSystemLogEvent[] = [];
  for (const u of users) events.push(...okta.addToGroup(u.user.id, "Support").events);
  events.push(...okta.removeFromGroup(users[1]!.user.id, "Support").events);
  events.push(...okta.addToGroup(users[0]!.user.id, "Okta Sales").events);
  events.push(...okta.addToGroup(users[2]!.user.id, "Unlisted").events);
  events.push(...okta.addToGroup(users[3]!.user.id, "Missing").events);
  // A user created in the same burst is created in Genesys before it is added.
  const newcomer = okta.createUser(person(6));
  events.push(...newcomer.events, ...okta.addToGroup(newcomer.user.id, "Support").events);
  // Out of order: the removal arrives before the add it undoes, in another delivery.
  await h.deliver([...events].reverse(), 3);
  await h.settle();

  const support = [1, 3, 4, 5].map((n) => genesysIdOf(users[n - 1]!.user.id));
  assert.deepEqual(
    sorted(genesys.groupMembers("Support")),
    sorted([outsider.id, ...support, genesysIdOf(newcomer.user.id)]),
    "Okta's members, and the Genesys-only member kept",
  );
  assert.deepEqual(
    genesys.groupMembers("Sales"),
    [genesysIdOf(users[0]!.user.id)],
    "renamed by the mapping file",
  );
  assert.deepEqual(genesys.groupMembers("Unlisted"), [], "a group not in SYNC_GROUPS is never written");
  assert.equal(
    genesys.findByExternalId(users[1]!.user.id)?.active,
    true,
    "leaving a group never deactivates",
  );

  const status = (await (await fetch(`${h.url}/status.json`)).json()) as {
    groups: { okta: string; state: string; detail?: string }[];
  };
  assert.deepEqual(
    status.groups.map((g) => [g.okta, g.state]),
    [
      ["Support", "synced"],
      ["Okta Sales", "synced"],
      ["Missing", "missing"],
    ],
  );
  assert.match(await (await fetch(`${h.url}/metrics`)).text(), /bridge_groups_missing 1/);
  assert.ok(h.logs.some((line) => /Genesys group does not exist/.test(line) && /Missing/.test(line)));

  // A later removal takes the member out, still without touching the user.
  await h.deliver(okta.removeFromGroup(users[0]!.user.id, "Support").events);
  await h.settle();
  assert.ok(!genesys.groupMembers("Support")?.includes(genesysIdOf(users[0]!.user.id)));
  assert.ok(genesys.groupMembers("Support")?.includes(outsider.id));
});

test("250 membership events for one group cost one membership PATCH", async () => {
  h = await startHarness({ env, bridge: { groups: { settleMs: 1_500, pollMs: 20 } } });
  const { okta, genesys } = h;
  genesys.seedGroup("Support");
  const users = Array.from({ length: 100 }, (_, i) => okta.createUser(person(100 + i)));
  await h.deliver(
    users.flatMap((u) => u.events),
    50,
  );
  await h.settle();
  genesys.resetStats();
  okta.resetStats();

  const events: OktaSystemLogEvent[] = [];
  for (const u of users) events.push(...okta.addToGroup(u.user.id, "Support").events);
  for (const u of users.slice(0, 50)) events.push(...okta.removeFromGroup(u.user.id, "Support").events);
  for (const u of users.slice(0, 50)) events.push(...okta.addToGroup(u.user.id, "Support").events);
  for (const u of users.slice(0, 50)) events.push(...okta.removeFromGroup(u.user.id, "Support").events);
  assert.equal(events.length, 250);
  await h.deliver(events, 50);
  await h.settle();

  const want = users.slice(50).map((u) => genesysIdOf(u.user.id));
  assert.deepEqual(sorted(genesys.groupMembers("Support")), sorted(want));
  const stats = genesys.stats();
  assert.equal(stats.groupWrites, 1, "one PATCH for the whole burst");
  assert.equal(stats.writes, 0, "no user was written");
  assert.equal(okta.stats().userReads, 0, "membership is read by group, not user by user");
});

test("a reconcile compares the listed groups: a dry run reports the changes, a real run makes them", async () => {
  h = await startHarness({ env, bridge: { groups: { settleMs: 0, pollMs: 20 } } });
  const { okta, genesys } = h;
  const users = [1, 2, 3].map((n) => okta.createUser(person(n)));
  await h.deliver(users.flatMap((u) => u.events));
  await h.settle();
  const [u1, u2, u3] = users.map((u) => genesysIdOf(u.user.id));
  const outsider = genesys.seedUser({ userName: "temp@example.com", displayName: "Temp", active: true });
  genesys.seedGroup("Support", [outsider.id, u2 ?? ""]);
  genesys.seedGroup("Sales");
  okta.createGroup("Missing");
  // Membership changed while no event reached the bridge.
  okta.addToGroup(users[0]!.user.id, "Support");
  okta.addToGroup(users[2]!.user.id, "Support");

  const dry = await h.bridge.reconciler.run({ dryRun: true });
  assert.deepEqual(
    dry.groups.map((g) => [g.okta, g.state, g.add, g.remove, g.genesysOnly.length]),
    [
      ["Support", "differs", 2, 1, 1],
      ["Okta Sales", "no-okta-group", 0, 0, 0],
      ["Missing", "missing", 0, 0, 0],
    ],
  );
  assert.match(formatReport(dry), /Support: add 2, remove 1; Genesys-only members kept: 1/);
  assert.match(formatReport(dry), /Missing: no Genesys group named Missing/);
  assert.deepEqual(
    sorted(genesys.groupMembers("Support")),
    sorted([outsider.id, u2 ?? ""]),
    "a dry run writes nothing",
  );

  await h.bridge.reconciler.run();
  await h.settle();
  assert.deepEqual(sorted(genesys.groupMembers("Support")), sorted([outsider.id, u1 ?? "", u3 ?? ""]));
});
