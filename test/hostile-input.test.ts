import assert from "./support/assert.ts";
import { after, before, test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import { hookEnvelope } from "../sim/okta-hook-delivery.ts";
import { HOOK_SECRET, startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

let h: Harness;
before(async () => {
  // A quota ten times Genesys' default, and a controller that starts near it: the bulk delivery below
  // is about storing and coalescing thousands of events, not about waiting for a minute's quota.
  h = await startHarness({
    env: { TRUST_PROXY: "loopback", GENESYS_INITIAL_RATE: "30" },
    genesys: { rateLimit: { limit: 3000 } },
  });
});
after(() => h.close());

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${h.url}/okta/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: HOOK_SECRET, ...headers },
    body,
  });

test("a body over the limit is refused with 413 and the service keeps serving", async () => {
  const huge = " ".repeat(17 * 1024 * 1024);
  const res = await post(huge);
  assert.equal(res.status, 413);
  assert.match(((await res.json()) as { message: string }).message, /larger than/);
  assert.equal((await fetch(`${h.url}/healthz`)).status, 200);
});

test("thousands of events in one delivery are stored at once and all synced", async () => {
  const events = [];
  for (let i = 0; i < 100; i++) {
    const { user, events: created } = h.okta.createUser(person(i));
    events.push(...created);
    for (let j = 0; j < 20; j++) events.push(...h.okta.updateProfile(user.id, { title: `T${j}` }).events);
  }
  assert.ok(events.length > 2000);
  const res = await post(JSON.stringify(hookEnvelope(events)));
  assert.equal(res.status, 200);
  // The 200 comes after the store has every event of the delivery, for all 100 users.
  const stored = h.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line["msg"] === "okta delivery stored" && line["events"] === events.length);
  assert.equal(stored?.["stored"], events.length);
  assert.equal(stored?.["users"], 100);
  await h.settle();
  assert.deepEqual(diffDirectories(h.okta.users(), h.genesys.users()).differences, []);
  assert.equal(h.genesys.users().length, 100);
  assert.ok(h.okta.stats().userReads <= 200, "coalesced: at most a couple of reads per user");
});

test("events with unknown types or non-user targets are accepted and ignored", async () => {
  const events = [
    { uuid: "u-1", eventType: "system.api_token.create", published: new Date().toISOString(), target: [] },
    {
      uuid: "u-2",
      eventType: "user.lifecycle.create",
      published: new Date().toISOString(),
      target: [{ id: "0oa123", type: "AppInstance" }],
    },
  ];
  const res = await post(JSON.stringify(hookEnvelope(events as never)));
  assert.equal(res.status, 200);
  assert.equal((await h.bridge.store.stats()).pending, 0);
});

test("behind a reverse proxy the forwarded client address and a request id are logged", async () => {
  const res = await fetch(`${h.url}/healthz`, {
    headers: { "x-forwarded-for": "203.0.113.7", "x-request-id": "req-abc-123" },
  });
  assert.equal(res.headers.get("x-request-id"), "req-abc-123");
  await fetch(`${h.url}/okta/events`, { method: "POST", headers: { "x-forwarded-for": "198.51.100.9" } });
  const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((l) => l["reqId"] === "req-abc-123" && l["ip"] === "203.0.113.7"));
  assert.ok(
    lines.some((l) => l["ip"] === "198.51.100.9" && l["status"] === 401 && typeof l["reqId"] === "string"),
  );
});
