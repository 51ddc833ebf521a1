import assert from "./support/assert.ts";
import { createServer, type IncomingMessage } from "node:http";
import { after, before, describe, test } from "node:test";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { deliverToHook, hookEnvelope, verifyHook } from "../sim/okta-hook-delivery.ts";
import { createManualClock } from "./support/manual-clock.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";

const AUTH = { authorization: "SSWS demo-okta-token" };

function profile(name: string) {
  return { login: `${name}@example.com`, email: `${name}@example.com`, firstName: name, lastName: "Tester" };
}

async function get(url: string, headers: Record<string, string> = AUTH) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** The next-page URL from Okta's Link headers, which fetch joins with ", ". */
function nextLink(headers: Headers): string | undefined {
  return /<([^>]+)>; rel="next"/.exec(headers.get("link") ?? "")?.[1];
}

describe("Okta simulator Users API", () => {
  let sim: OktaSimulator;
  before(async () => {
    sim = await startOktaSimulator();
  });
  after(() => sim.close());

  test("reads a user by id with SSWS auth", async () => {
    const { user } = sim.createUser({ ...profile("ada"), title: "Engineer" });
    assert.match(user.id, /^00u[A-Za-z0-9]{17}$/);
    const read = await get(`${sim.url}/api/v1/users/${user.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.id, user.id);
    assert.equal(read.body.status, "ACTIVE");
    assert.equal(read.body.profile.title, "Engineer");
    for (const field of ["created", "activated", "statusChanged", "lastUpdated"])
      assert.equal(typeof read.body[field], "string");
    assert.equal(sim.stats().userReads, 1);
  });

  test("answers a wrong token with 401 E0000011", async () => {
    const read = await get(`${sim.url}/api/v1/users/00uwhatever`, { authorization: "SSWS wrong" });
    assert.equal(read.status, 401);
    assert.equal(read.body.errorCode, "E0000011");
    assert.equal(read.body.errorSummary, "Invalid token provided");
  });

  test("answers unknown and deleted users with 404 E0000007", async () => {
    const unknown = await get(`${sim.url}/api/v1/users/00uNoSuchUser0000000`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.errorCode, "E0000007");
    assert.equal(unknown.body.errorSummary, "Not found: Resource not found: 00uNoSuchUser0000000 (User)");
    const { user } = sim.createUser(profile("doomed"));
    sim.deactivate(user.id);
    sim.deleteUser(user.id);
    const deleted = await get(`${sim.url}/api/v1/users/${user.id}`);
    assert.equal(deleted.status, 404);
    assert.equal(deleted.body.errorCode, "E0000007");
  });

  test("pages the user list with Link rel=next and leaves DEPROVISIONED users out", async () => {
    const paged = await startOktaSimulator();
    try {
      const ids = Array.from({ length: 450 }, (_, i) => paged.createUser(profile(`p${i}`)).user.id);
      for (const id of ids.slice(0, 10)) paged.deactivate(id);
      const seen: string[] = [];
      let next: string | undefined = `${paged.url}/api/v1/users?limit=500`;
      let pages = 0;
      while (next !== undefined) {
        const page = await get(next);
        assert.equal(page.status, 200);
        assert.ok(page.body.length <= 200);
        seen.push(...page.body.map((user: { id: string }) => user.id));
        next = nextLink(page.headers);
        pages += 1;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, ids.slice(10));
      const deprovisioned = await get(
        `${paged.url}/api/v1/users?filter=${encodeURIComponent('status eq "DEPROVISIONED"')}`,
      );
      assert.deepEqual(
        deprovisioned.body.map((user: { id: string }) => user.id),
        ids.slice(0, 10),
      );
      assert.equal(nextLink(deprovisioned.headers), undefined);
    } finally {
      await paged.close();
    }
  });

  test("rejects a filter Okta would not accept", async () => {
    const bad = await get(`${sim.url}/api/v1/users?filter=${encodeURIComponent("shoeSize eq 42")}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errorCode, "E0000031");
  });
});

describe("Okta simulator rate limit and faults", () => {
  test("every answer carries X-Rate-Limit headers and the limit is answered 429 E0000047", async () => {
    const clock = createManualClock();
    const sim = await startOktaSimulator({ rateLimit: { limit: 2, windowMs: 300 }, clock });
    try {
      const { user } = sim.createUser(profile("rl"));
      const url = `${sim.url}/api/v1/users/${user.id}`;
      const first = await get(url);
      assert.equal(first.headers.get("x-rate-limit-limit"), "2");
      assert.equal(first.headers.get("x-rate-limit-remaining"), "1");
      const reset = Number(first.headers.get("x-rate-limit-reset"));
      assert.ok(reset >= Math.floor(clock.now() / 1000) && reset <= Math.ceil(clock.now() / 1000) + 1);
      await get(url);
      const throttled = await get(url);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.body.errorCode, "E0000047");
      assert.equal(throttled.headers.get("x-rate-limit-remaining"), "0");
      assert.equal(sim.stats().throttled, 1);
      await clock.advance(300);
      assert.equal((await get(url)).status, 200);
    } finally {
      await sim.close();
    }
  });

  test("faults answer 500 or 503, reset the connection, or hang", async () => {
    const sim = await startOktaSimulator();
    try {
      const { user } = sim.createUser(profile("faulty"));
      const url = `${sim.url}/api/v1/users/${user.id}`;
      sim.injectFault({ kind: "500", times: 1 });
      sim.injectFault({ kind: "503", times: 1 });
      assert.equal((await get(url)).status, 500);
      assert.equal((await get(url)).status, 503);
      sim.injectFault({ kind: "reset", times: 1 });
      await assert.rejects(fetch(url, { headers: AUTH }));
      sim.injectFault({ kind: "hang", times: 1, match: (req) => req.path.endsWith(user.id) });
      await assert.rejects(fetch(url, { headers: AUTH, signal: AbortSignal.timeout(150) }), {
        name: "TimeoutError",
      });
      assert.equal((await get(url)).status, 200);
    } finally {
      await sim.close();
    }
  });
});

describe("Okta simulator directory changes and their events", () => {
  let sim: OktaSimulator;
  before(async () => {
    sim = await startOktaSimulator();
  });
  after(() => sim.close());

  test("creating an active user emits create then activate, targeting the user", () => {
    const { user, events } = sim.createUser(profile("grace"));
    assert.deepEqual(
      events.map((event) => event.eventType),
      ["user.lifecycle.create", "user.lifecycle.activate"],
    );
    for (const event of events) {
      assert.equal(event.version, "0");
      assert.equal(event.severity, "INFO");
      assert.equal(event.outcome.result, "SUCCESS");
      assert.match(event.uuid, /^[0-9a-f-]{36}$/);
      assert.deepEqual(event.target, [
        {
          id: user.id,
          type: "User",
          alternateId: "grace@example.com",
          displayName: "grace Tester",
          detailEntry: null,
        },
      ]);
    }
    assert.equal(events[0]?.transaction.id, events[1]?.transaction.id);
    const staged = sim.createUser(profile("staged"), { status: "STAGED" });
    assert.deepEqual(
      staged.events.map((event) => event.eventType),
      ["user.lifecycle.create"],
    );
    assert.equal(staged.user.status, "STAGED");
  });

  test("published times strictly increase across events", () => {
    const events: OktaSystemLogEvent[] = [];
    for (let i = 0; i < 20; i += 1) events.push(...sim.createUser(profile(`burst${i}`)).events);
    for (let i = 1; i < events.length; i += 1) {
      assert.ok(Date.parse(events[i]!.published) > Date.parse(events[i - 1]!.published));
    }
  });

  test("a profile update lists the changed attribute names and the API returns the new values", async () => {
    const { user } = sim.createUser({ ...profile("upd"), title: "Old" });
    const { events } = sim.updateProfile(user.id, { title: "New", department: "R&D", firstName: "upd" });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.eventType, "user.account.update_profile");
    assert.equal(events[0]?.debugContext.debugData["changedAttributes"], "title,department");
    const read = await get(`${sim.url}/api/v1/users/${user.id}`);
    assert.equal(read.body.profile.title, "New");
    assert.equal(read.body.profile.department, "R&D");
    assert.deepEqual(sim.updateProfile(user.id, { title: "New" }).events, []);
  });

  test("lifecycle changes follow Okta's statuses", () => {
    const { user } = sim.createUser(profile("life"));
    const step = (change: { user: { status: string }; events: OktaSystemLogEvent[] }) => [
      change.user.status,
      change.events[0]?.eventType,
    ];
    assert.deepEqual(step(sim.suspend(user.id)), ["SUSPENDED", "user.lifecycle.suspend"]);
    assert.deepEqual(step(sim.unsuspend(user.id)), ["ACTIVE", "user.lifecycle.unsuspend"]);
    assert.throws(() => sim.deleteUser(user.id), /deactivate it first/);
    assert.deepEqual(step(sim.deactivate(user.id)), ["DEPROVISIONED", "user.lifecycle.deactivate"]);
    assert.throws(() => sim.suspend(user.id));
    assert.deepEqual(step(sim.reactivate(user.id)), ["PROVISIONED", "user.lifecycle.reactivate"]);
    assert.deepEqual(step(sim.activate(user.id)), ["ACTIVE", "user.lifecycle.activate"]);
    sim.deactivate(user.id);
    assert.deepEqual(step(sim.deleteUser(user.id)), ["DEPROVISIONED", "user.lifecycle.delete.initiated"]);
    assert.equal(sim.getUser(user.id), undefined);
  });

  test("adding to a group emits group.user_membership.add with a UserGroup target", () => {
    const { user } = sim.createUser(profile("grouped"));
    const { events } = sim.addToGroup(user.id, "Genesys Agents");
    assert.equal(events[0]?.eventType, "group.user_membership.add");
    const group = events[0]?.target.find((target) => target.type === "UserGroup");
    assert.match(group?.id ?? "", /^00g[A-Za-z0-9]{17}$/);
    assert.equal(group?.displayName, "Genesys Agents");
    assert.equal(events[0]?.target.find((target) => target.type === "User")?.id, user.id);
  });
});

describe("Okta event hook delivery", () => {
  /** A hook receiver that answers with the scripted statuses, then 204, and records what it got. */
  async function receiver(script: (number | "hang")[]) {
    const received: { headers: IncomingMessage["headers"]; body: any }[] = [];
    const server = createServer(async (req, res) => {
      let text = "";
      for await (const chunk of req) text += chunk;
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ verification: req.headers["x-okta-verification-challenge"] }));
        return;
      }
      received.push({ headers: req.headers, body: JSON.parse(text) });
      const next = script.shift() ?? 204;
      if (next === "hang") return;
      res.writeHead(next).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/hook`;
    return {
      url,
      received,
      close: () => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  let sim: OktaSimulator;
  before(async () => {
    sim = await startOktaSimulator();
  });
  after(() => sim.close());

  test("hookEnvelope wraps events the way Okta does", () => {
    const { events } = sim.createUser(profile("env"));
    const envelope = hookEnvelope(events, { hookId: "who123", orgUrl: "https://acme.okta.com" });
    assert.equal(envelope.eventType, "com.okta.event_hook");
    assert.equal(envelope.eventTypeVersion, "1.0");
    assert.equal(envelope.cloudEventsVersion, "0.1");
    assert.equal(envelope.contentType, "application/json");
    assert.equal(envelope.source, "https://acme.okta.com/api/v1/eventHooks/who123");
    assert.match(envelope.eventId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(envelope.data.events, events);
  });

  test("delivers batches with the secret header and retries once on a 5xx but not on a 4xx", async () => {
    const hook = await receiver([503, 400]);
    try {
      const events = [
        ...sim.createUser(profile("d1")).events,
        ...sim.createUser(profile("d2")).events,
        ...sim.createUser(profile("d3")).events,
      ];
      const deliveries = await deliverToHook(hook.url, "s3cret", events, {
        batchSize: 4,
        header: "x-hook-secret",
      });
      assert.deepEqual(
        deliveries.map((delivery) => delivery.attempts),
        [[503, 400], [204]],
      );
      assert.deepEqual(
        deliveries.map((delivery) => delivery.delivered),
        [false, true],
      );
      assert.equal(hook.received.length, 3);
      assert.equal(hook.received[0]?.headers["x-hook-secret"], "s3cret");
      assert.equal(hook.received[0]?.body.eventId, hook.received[1]?.body.eventId);
      assert.equal(hook.received[2]?.body.data.events.length, 2);
    } finally {
      await hook.close();
    }
  });

  test("a hook that does not answer in time gets one retry", async () => {
    const hook = await receiver(["hang"]);
    try {
      const [delivery] = await deliverToHook(hook.url, "s3cret", sim.createUser(profile("slow")).events, {
        timeoutMs: 100,
      });
      assert.deepEqual(delivery?.attempts, ["timeout", 204]);
      assert.equal(hook.received[1]?.headers["authorization"], "s3cret");
    } finally {
      await hook.close();
    }
  });

  test("verifyHook sends the one-time challenge and checks the echo", async () => {
    const hook = await receiver([]);
    try {
      assert.equal(await verifyHook(hook.url, "s3cret"), true);
    } finally {
      await hook.close();
    }
  });
});
