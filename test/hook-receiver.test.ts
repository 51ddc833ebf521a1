import assert from "./support/assert.ts";
import { after, before, describe, test } from "node:test";
import { hookEnvelope, verifyHook } from "../sim/okta-hook-delivery.ts";
import { HOOK_SECRET, startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

describe("the Okta event hook endpoint", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("echoes Okta's one-time verification challenge", async () => {
    assert.equal(await verifyHook(`${h.url}/okta/events`, HOOK_SECRET), true);
    const res = await fetch(`${h.url}/okta/events`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /x-okta-verification-challenge/);
  });

  test("refuses a delivery with a missing or wrong secret, stores nothing, and says which header", async () => {
    const { events } = h.okta.createUser(person(1));
    const body = JSON.stringify(hookEnvelope(events));
    const headers = { "content-type": "application/json" };
    const missing = await fetch(`${h.url}/okta/events`, { method: "POST", headers, body });
    const wrong = await fetch(`${h.url}/okta/events`, {
      method: "POST",
      headers: { ...headers, authorization: `${HOOK_SECRET}x` },
      body,
    });
    assert.equal(missing.status, 401);
    assert.equal(wrong.status, 401);
    const [a, b] = [await missing.json(), await wrong.json()];
    assert.deepEqual(a, b, "a missing and a wrong secret get the same answer");
    assert.match((a as { message: string }).message, /authorization/);
    assert.equal((await h.bridge.store.stats()).pending, 0);
  });

  test("answers 200 with an empty body once the events are stored", async () => {
    const { events } = h.okta.createUser(person(2));
    const res = await fetch(`${h.url}/okta/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: HOOK_SECRET },
      body: JSON.stringify(hookEnvelope(events)),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
    assert.equal(res.headers.get("x-powered-by"), null);
    assert.ok(res.headers.get("content-security-policy"), "helmet headers are set");
  });

  test("names the missing field of a malformed envelope", async () => {
    const post = (body: string, contentType = "application/json") =>
      fetch(`${h.url}/okta/events`, {
        method: "POST",
        headers: { "content-type": contentType, authorization: HOOK_SECRET },
        body,
      });
    const noEvents = await post(JSON.stringify({ eventType: "com.okta.event_hook", data: {} }));
    assert.equal(noEvents.status, 400);
    assert.match(((await noEvents.json()) as { message: string }).message, /data\.events/);
    const noUuid = await post(
      JSON.stringify({ data: { events: [{ eventType: "x", published: new Date().toISOString() }] } }),
    );
    assert.equal(noUuid.status, 400);
    assert.match(((await noUuid.json()) as { message: string }).message, /data\.events\[0\]\.uuid/);
    const malformed = await post("{not json");
    assert.equal(malformed.status, 400);
    assert.match(((await malformed.json()) as { message: string }).message, /not valid JSON/);
    const wrongType = await post("a=b", "application/x-www-form-urlencoded");
    assert.equal(wrongType.status, 415);
  });

  test("accepts and counts event types it does not act on", async () => {
    const { user } = h.okta.createUser(person(3));
    const { events } = h.okta.addToGroup(user.id, "Sales");
    const [delivery] = await h.deliver(events);
    assert.equal(delivery?.delivered, true);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /bridge_hook_events_total\{outcome="ignored"\} [1-9]/);
  });

  test("a redelivered batch that mixes ignored and acted-on events is acknowledged again", async () => {
    const { user, events } = h.okta.createUser(person(4));
    const mixed = [...events, ...h.okta.addToGroup(user.id, "Support").events];
    const body = JSON.stringify(hookEnvelope(mixed));
    for (let i = 0; i < 2; i++) {
      const res: Response = await fetch(`${h.url}/okta/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: HOOK_SECRET },
        body,
      });
      assert.equal(res.status, 200, `delivery ${i + 1}`);
    }
  });

  test("reports liveness and readiness", async () => {
    assert.equal((await fetch(`${h.url}/healthz`)).status, 200);
    const ready = await fetch(`${h.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready" });
  });
});
