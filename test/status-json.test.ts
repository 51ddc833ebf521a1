import assert from "./support/assert.ts";
import type { AddressInfo } from "node:net";
import { afterEach, test } from "node:test";
import express from "express";
import { createMetrics } from "../src/metrics.ts";
import type { StatusSnapshot } from "../src/status/status-snapshot.ts";
import { createStatusRoutes } from "../src/status/status-routes.ts";
import { createRateController } from "../src/throttle/rate-controller.ts";
import {
  GENESYS_CLIENT,
  GENESYS_SECRET,
  HOOK_SECRET,
  OKTA_TOKEN,
  startHarness,
  type Harness,
} from "./support/harness.ts";
import { person } from "./support/people.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

test("/status.json reports rates, queue, activity and deliveries, and no secret or profile data", async () => {
  h = await startHarness({ bridge: { statusPage: { bucketMs: 1000, sampleMs: 50 } } });
  const events = [];
  for (let i = 0; i < 6; i++) events.push(...h.okta.createUser(person(300 + i)).events);
  await h.deliver(events, 4);
  const refused = await fetch(`${h.url}/okta/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "not-the-secret" },
    body: "{}",
  });
  assert.equal(refused.status, 401);
  await h.settle();

  for (const [path, type] of [
    ["/", "text/html"],
    ["/status", "text/html"],
    ["/status/app.js", "text/javascript"],
    ["/status/app.css", "text/css"],
  ] as const) {
    const page: Response = await fetch(`${h.url}${path}`);
    assert.equal(page.status, 200, path);
    assert.ok(page.headers.get("content-type")?.startsWith(type), `${path} is ${type}`);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/, path);
    const body = await page.text();
    for (const secret of [HOOK_SECRET, OKTA_TOKEN, GENESYS_SECRET]) assert.ok(!body.includes(secret), path);
  }

  const res = await fetch(`${h.url}/status.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const text = await res.text();
  for (const secret of [HOOK_SECRET, OKTA_TOKEN, GENESYS_SECRET, GENESYS_CLIENT, "not-the-secret"]) {
    assert.ok(!text.includes(secret), `status.json must not contain ${secret}`);
  }
  for (const profileValue of ["user300@example.com", "First300", "Last300", "+1 555 0100"]) {
    assert.ok(!text.includes(profileValue), `status.json must not contain profile data (${profileValue})`);
  }

  const s = JSON.parse(text) as StatusSnapshot;
  assert.deepEqual(Object.keys(s).sort(), [
    "activity",
    "deliveries",
    "groups",
    "health",
    "now",
    "queue",
    "reconcile",
    "replicas",
    "startedAt",
    "upstreams",
  ]);
  assert.equal(s.replicas, null, "one process without Redis lists no replicas");
  assert.deepEqual(s.groups, [], "no SYNC_GROUPS: no groups");
  assert.equal(s.health.state, "idle");
  assert.deepEqual(s.queue, { pending: 0, inFlight: 0, oldestPendingAgeSeconds: null, deadLetters: 0 });
  for (const upstream of [s.upstreams.genesys, s.upstreams.okta]) {
    assert.deepEqual(Object.keys(upstream).sort(), [
      "concurrency",
      "cuts",
      "inFlight",
      "learnedQuota",
      "pausedForSeconds",
      "rate",
      "throttled",
      "waiting",
    ]);
    assert.ok(upstream.rate > 0);
  }
  const quota = s.upstreams.genesys.learnedQuota;
  assert.ok(
    quota !== null && Math.abs(quota - 5) < 0.5,
    `Genesys' 300/minute learned from its headers: ${quota}`,
  );
  assert.equal(s.activity.bucketSeconds, 1);
  assert.equal(s.activity.buckets.length, 90);
  assert.equal(s.activity.totals.writes, 6);
  assert.equal(
    s.activity.buckets.reduce((sum, b) => sum + b.writes, 0),
    6,
    "every write is in a bucket",
  );
  assert.ok(s.activity.totals.requests >= 6);
  assert.equal(s.reconcile?.["state"], "idle", "the reconciler reports, and no run is going on");

  assert.equal(s.deliveries.length, 4, "three deliveries and the refused one");
  const [newest, ...accepted] = s.deliveries;
  assert.deepEqual(
    { ...newest, at: 0 },
    {
      at: 0,
      status: 401,
      events: 0,
      stored: 0,
      duplicates: 0,
      ignored: 0,
      users: 0,
      eventTypes: [],
    },
  );
  assert.deepEqual(
    accepted.map((d) => [d.status, d.events, d.stored, d.users]),
    [
      [200, 4, 4, 2],
      [200, 4, 4, 2],
      [200, 4, 4, 2],
    ],
  );
  assert.deepEqual(accepted[0]?.eventTypes, [
    { type: "user.lifecycle.activate", count: 2 },
    { type: "user.lifecycle.create", count: 2 },
  ]);
  assert.ok(s.deliveries.every((d) => d.at <= s.now && d.at >= s.startedAt));
});

test("reconcile progress is shown field by field, without nested records, secret-looking fields or secrets", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const genesysController = createRateController({ upstream: "genesys" });
  const oktaController = createRateController({ upstream: "okta" });
  let progress: unknown = undefined;
  const status = createStatusRoutes({
    metrics,
    store: { stats: async () => ({ pending: 3, oldestEnqueuedAt: Date.now() - 4_000, deadLetters: 2 }) },
    genesysController,
    oktaController,
    syncsInFlight: () => 1,
    isShuttingDown: () => false,
    reconcileProgress: () => progress,
    secrets: [GENESYS_SECRET],
  });
  const app = express().use(status.router);
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status.json`;
  const read = async () => (await (await fetch(url)).json()) as StatusSnapshot;
  try {
    const idle = await read();
    assert.equal(idle.reconcile, null);
    assert.equal(idle.health.state, "attention", "dead letters need a human");
    assert.equal(
      idle.queue.oldestPendingAgeSeconds !== null && idle.queue.oldestPendingAgeSeconds >= 4,
      true,
    );

    progress = {
      phase: "comparing",
      done: 1200,
      total: 5000,
      etaSeconds: 95,
      startedAt: new Date("2025-01-02T03:04:05.000Z"),
      dryRun: false,
      apiToken: "must-not-show",
      clientSecret: "must-not-show",
      lastUser: { id: "00u1", email: "someone@example.com" },
      plan: { create: 3, update: 40, deactivate: 1 },
      report: { runId: "r1", plan: { samples: [] } },
      infinite: Number.POSITIVE_INFINITY,
      error: `Genesys said: bad client ${GENESYS_SECRET}`,
    };
    const running = await read();
    assert.deepEqual(running.reconcile, {
      phase: "comparing",
      done: 1200,
      total: 5000,
      etaSeconds: 95,
      startedAt: "2025-01-02T03:04:05.000Z",
      dryRun: false,
      infinite: null,
      error: "Genesys said: bad client [redacted]",
      "plan.create": 3,
      "plan.update": 40,
      "plan.deactivate": 1,
    });

    progress = () => {
      throw new Error("not a plain object");
    };
    assert.equal((await read()).reconcile, null);
  } finally {
    status.close();
    genesysController.close();
    oktaController.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
