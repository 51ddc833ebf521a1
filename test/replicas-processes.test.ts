import assert from "./support/assert.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import { startGenesysSimulator, type GenesysSimulator } from "../sim/genesys-simulator.ts";
import { deliverToHook, type HookDelivery } from "../sim/okta-hook-delivery.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";
import { spawnBridge, type ChildBridge } from "./support/child-bridge.ts";
import { waitFor } from "./support/wait-for.ts";
import { bridgeEnv, GENESYS_CLIENT, GENESYS_SECRET, HOOK_SECRET, OKTA_TOKEN } from "./support/harness.ts";
import { person } from "./support/people.ts";
import { dropPrefix, SHARED_REDIS_URL, startPrivateRedis, testRedis, uniquePrefix } from "./support/redis.ts";
import { startRoundRobinProxy } from "./support/round-robin-proxy.ts";

let okta: OktaSimulator;
let genesys: GenesysSimulator;
const dirs: string[] = [];
const prefixes: string[] = [];
before(async () => {
  okta = await startOktaSimulator({ apiToken: OKTA_TOKEN });
  genesys = await startGenesysSimulator({
    clients: { [GENESYS_CLIENT]: GENESYS_SECRET },
    rateLimit: { limit: 40, windowMs: 1000 },
    latencyMs: { min: 5, max: 15 },
  });
});
after(async () => {
  await Promise.all([okta.close(), genesys.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const redis = testRedis();
  for (const prefix of prefixes) await dropPrefix(redis, prefix);
  redis.disconnect();
});

/** `count` bridge processes on one Redis prefix, each with its own DATA_DIR, behind a round-robin proxy. */
async function cluster(count: number, redisUrl = SHARED_REDIS_URL) {
  const prefix = uniquePrefix("cluster");
  prefixes.push(prefix);
  const replicas: ChildBridge[] = await Promise.all(
    Array.from({ length: count }, () => {
      const dataDir = mkdtempSync(join(tmpdir(), "replica-"));
      dirs.push(dataDir);
      return spawnBridge({
        ...bridgeEnv(okta.url, genesys.url, dataDir),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        LOG_LEVEL: "info",
        SHUTDOWN_GRACE_MS: "1500",
      });
    }),
  );
  const alive = new Set(replicas);
  const proxy = await startRoundRobinProxy(() => [...alive].map((r) => r.url));
  return {
    replicas,
    proxy,
    kill(replica: ChildBridge) {
      alive.delete(replica);
      replica.process.kill("SIGKILL");
      return replica.exited;
    },
    deliver: (events: OktaSystemLogEvent[], batchSize = 50) =>
      deliverToHook(`${proxy.url}/okta/events`, HOOK_SECRET, events, { batchSize }),
    async close() {
      await proxy.close();
      await Promise.all(
        [...alive].map(async (r) => {
          r.process.kill("SIGTERM");
          await r.exited;
        }),
      );
    },
  };
}

function burst(from: number, count: number): OktaSystemLogEvent[] {
  const events: OktaSystemLogEvent[] = [];
  for (let i = from; i < from + count; i++) {
    const { user, events: created } = okta.createUser(person(i));
    events.push(...created);
    if (i % 3 === 0) events.push(...okta.updateProfile(user.id, { title: `Updated ${i}` }).events);
  }
  return events;
}

const inStep = () => diffDirectories(okta.users(), genesys.users()).differences.length === 0;
/** The same check, at most every 100 ms: comparing directories 200 times a second starves the replicas. */
const inStepSoon = async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return inStep();
};
const allDelivered = (deliveries: HookDelivery[]) => deliveries.every((d) => d.delivered);

test("three replicas: SIGKILL one mid-burst, the others take its leases over and Genesys equals Okta", async (t) => {
  const c = await cluster(3);
  t.after(() => c.close());
  const writesBefore = genesys.stats().writes;
  // The victim dies while deliveries still arrive: one in flight to it fails, and Okta's retry
  // reaches a survivor through the proxy.
  const delivering = c.deliver(burst(20_000, 100), 20);
  await waitFor(() => genesys.stats().writes >= writesBefore + 20, "some writes", 20_000);
  const victim = c.replicas[1]!;
  assert.equal((await c.kill(victim)).signal, "SIGKILL");
  assert.equal(inStep(), false, "killed mid-burst");
  assert.ok(allDelivered(await delivering), "every delivery acknowledged");
  // Events keep arriving at the survivors while they finish the dead replica's work.
  assert.ok(allDelivered(await c.deliver(burst(20_300, 30))));
  await waitFor(inStepSoon, "Genesys to match Okta", 60_000);
});

test("Redis stopped and restarted mid-burst: the hook refuses while it is away, nothing acknowledged is lost", async (t) => {
  const redis = await startPrivateRedis();
  t.after(() => redis.close());
  const c = await cluster(2, redis.url);
  t.after(() => c.close());
  assert.ok(allDelivered(await c.deliver(burst(21_000, 60))));
  await redis.stop("SIGKILL");
  const refused = burst(21_200, 10);
  const duringOutage = await c.deliver(refused, 5);
  assert.ok(
    duringOutage.every((d) => !d.delivered && d.attempts.every((a) => a === 503)),
    "503, retried once, never acknowledged",
  );
  await waitFor(
    async () => (await fetch(`${c.replicas[0]!.url}/readyz`)).status === 503,
    "/readyz to turn 503",
    5_000,
  );
  await redis.start();
  await waitFor(
    async () => (await fetch(`${c.replicas[0]!.url}/readyz`)).status === 200,
    "/readyz to recover",
    15_000,
  );
  // What Okta gave up on is sent again, as an operator would replay it; the rest must be there already.
  assert.ok(allDelivered(await c.deliver(refused)));
  await waitFor(inStepSoon, "Genesys to match Okta", 60_000);
  for (const replica of c.replicas) {
    const said = (text: string) => replica.output.filter((line) => line.includes(text)).length;
    assert.ok(said("claiming pending work failed") <= 1, "syncs paused with one line, not one per poll");
    assert.equal(said("claiming pending work failed"), said("claiming pending work again"));
    assert.ok(said("Redis reachable again") >= 1);
  }
});
