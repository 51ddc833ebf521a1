import assert from "./support/assert.ts";
import { afterEach, test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import { startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

const ADMIN = "admin-token-for-tests-0123456789";
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const admin = (harness: Harness, path: string, method = "GET", token = ADMIN) =>
  fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

interface DeadLetterBody {
  deadLetters: { oktaUserId: string; status: number | null; reason: string }[];
  total: number;
}

test("permanent failures are dead-lettered with the upstream's status and words, then revived by a newer event", async () => {
  h = await startHarness({ env: { ADMIN_TOKEN: ADMIN } });
  const { okta, genesys } = h;
  // 400: Genesys refuses the phone number. 409: the userName belongs to another Genesys user.
  // No usable login: neither login nor email is an address.
  const badPhone = okta.createUser(person(1, { primaryPhone: "call me maybe" }));
  genesys.seedUser({
    userName: "user2@example.com",
    displayName: "Someone Else",
    externalId: "00uSOMEONEELSE0000",
  });
  const taken = okta.createUser(person(2));
  const noLogin = okta.createUser(person(3, { login: "user3", email: "user3-at-nowhere" }));
  const fine = okta.createUser(person(4));
  await h.deliver([...badPhone.events, ...taken.events, ...noLogin.events, ...fine.events]);
  await h.settle();

  const res = await admin(h, "/admin/dead-letters");
  assert.equal(res.status, 200);
  const body = (await res.json()) as DeadLetterBody;
  assert.equal(body.total, 3);
  const byUser = new Map(body.deadLetters.map((d) => [d.oktaUserId, d]));
  assert.equal(byUser.get(badPhone.user.id)?.status, 400);
  assert.match(byUser.get(badPhone.user.id)?.reason ?? "", /phone/i);
  assert.equal(byUser.get(taken.user.id)?.status, 409);
  assert.match(byUser.get(taken.user.id)?.reason ?? "", /belongs to another user/);
  assert.match(byUser.get(noLogin.user.id)?.reason ?? "", /no email-shaped login/);
  assert.ok(genesys.findByExternalId(fine.user.id), "other users are not held up");

  // Fixing the profile in Okta sends a newer event, which retries the dead letter by itself.
  await h.deliver(okta.updateProfile(badPhone.user.id, { primaryPhone: "+1 555 0101" }).events);
  await h.settle();
  assert.ok(genesys.findByExternalId(badPhone.user.id));
  assert.equal((await h.bridge.store.stats()).deadLetters, 2);
});

test("a missing Genesys permission (403) is dead-lettered, not retried forever, and replayed by the admin API", async () => {
  h = await startHarness({ env: { ADMIN_TOKEN: ADMIN } });
  h.genesys.injectFault({
    kind: "403",
    times: 2,
    match: (r) => r.method === "POST" && r.path.includes("/scim/"),
  });
  const a = h.okta.createUser(person(10));
  const b = h.okta.createUser(person(11));
  await h.deliver([...a.events, ...b.events]);
  await h.settle();
  assert.equal(h.genesys.stats().byStatus["403"], 2, "each tried once");
  const listed = (await (await admin(h, "/admin/dead-letters")).json()) as DeadLetterBody;
  assert.deepEqual(
    listed.deadLetters.map((d) => d.status),
    [403, 403],
  );
  assert.match(listed.deadLetters[0]?.reason ?? "", /directory:user:edit/);

  // The permission is granted now: retry one, then all.
  const one = await admin(h, `/admin/dead-letters/${a.user.id}/retry`, "POST");
  assert.deepEqual(await one.json(), { retried: 1 });
  await h.settle();
  assert.ok(h.genesys.findByExternalId(a.user.id));
  const all = await admin(h, "/admin/dead-letters/retry", "POST");
  assert.deepEqual(await all.json(), { retried: 1 });
  await h.settle();
  assert.deepEqual(diffDirectories(h.okta.users(), h.genesys.users()).differences, []);
  const missing = await admin(h, "/admin/dead-letters/00uNOBODY/retry", "POST");
  assert.equal(missing.status, 404);
});

test("the admin API needs the bearer token, reports the queue, and is off without ADMIN_TOKEN", async () => {
  h = await startHarness({ env: { ADMIN_TOKEN: ADMIN }, bridge: { startDispatcher: false } });
  assert.equal((await admin(h, "/admin/queue", "GET", "wrong-token")).status, 401);
  assert.equal((await fetch(`${h.url}/admin/queue`)).status, 401);
  await h.deliver([...h.okta.createUser(person(20)).events, ...h.okta.createUser(person(21)).events]);
  const queue = (await (await admin(h, "/admin/queue")).json()) as Record<string, unknown>;
  assert.equal(queue["pending"], 2);
  assert.equal(typeof queue["oldestPendingAgeSeconds"], "number");
  await h.close();

  h = await startHarness();
  const off = await admin(h, "/admin/queue");
  assert.equal(off.status, 404);
  assert.match(((await off.json()) as { message: string }).message, /ADMIN_TOKEN/);
});
