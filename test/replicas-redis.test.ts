import assert from "./support/assert.ts";
import { after, before, test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import { startGenesysSimulator, type GenesysSimulator } from "../sim/genesys-simulator.ts";
import { hookEnvelope } from "../sim/okta-hook-delivery.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";
import { waitFor } from "./support/wait-for.ts";
import { GENESYS_CLIENT, GENESYS_SECRET, HOOK_SECRET, OKTA_TOKEN } from "./support/harness.ts";
import { person } from "./support/people.ts";
import { dropPrefix, SHARED_REDIS_URL, testRedis, uniquePrefix } from "./support/redis.ts";
import { ADMIN_TOKEN, startReplicas } from "./support/replicas.ts";

let okta: OktaSimulator;
let genesys: GenesysSimulator;
const prefixes: string[] = [];
before(async () => {
  okta = await startOktaSimulator({ apiToken: OKTA_TOKEN });
  genesys = await startGenesysSimulator({
    clients: { [GENESYS_CLIENT]: GENESYS_SECRET },
    rateLimit: { limit: 50, windowMs: 1000 },
  });
});
after(async () => {
  await Promise.all([okta.close(), genesys.close()]);
  const redis = testRedis();
  for (const prefix of prefixes) await dropPrefix(redis, prefix);
  redis.disconnect();
});

async function replicas(count: number, startDispatcher = true) {
  const prefix = uniquePrefix("replicas");
  prefixes.push(prefix);
  return startReplicas({
    count,
    oktaUrl: okta.url,
    genesysUrl: genesys.url,
    redisUrl: SHARED_REDIS_URL,
    prefix,
    bridge: { startDispatcher },
  });
}

async function post(url: string, events: OktaSystemLogEvent[], envelope = hookEnvelope(events)) {
  const response = await fetch(`${url}/okta/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: HOOK_SECRET },
    body: JSON.stringify(envelope),
  });
  return response.status;
}

const storedLines = (logs: Record<string, unknown>[]) =>
  logs.filter((l) => l["msg"] === "okta delivery stored");

test("Okta's retry reaching another replica is stored once, and one user's events over two replicas cost one write", async (t) => {
  const set = await replicas(2, false);
  t.after(() => set.close());
  const [a, b] = set.replicas as [(typeof set.replicas)[0], (typeof set.replicas)[0]];
  const { user, events: created } = okta.createUser(person(9001));
  const envelope = hookEnvelope(created);
  assert.equal(await post(a.url, created, envelope), 200);
  assert.equal(await post(b.url, created, envelope), 200, "the retry is acknowledged");
  assert.deepEqual(
    storedLines(b.logs).map((l) => [l["stored"], l["duplicates"]]),
    [[0, created.length]],
    "and stored by nobody",
  );
  for (let i = 0; i < 6; i++) {
    const { events } = okta.updateProfile(user.id, { title: `Title ${i}` });
    assert.equal(await post((i % 2 === 0 ? b : a).url, events), 200);
  }
  assert.equal((await a.bridge.store.stats()).pending, 1, "one pending record for the user, cluster-wide");
  genesys.resetStats();
  a.bridge.dispatcher.start();
  b.bridge.dispatcher.start();
  await waitFor(() => genesys.findByExternalId(user.id)?.title === "Title 5", "the newest title", 10_000);
  await Promise.all([a.bridge.dispatcher.idle(), b.bridge.dispatcher.idle()]);
  assert.equal(genesys.stats().writes, 1, "one write for seven events delivered to two replicas");
});

test("the status page of any replica shows the cluster's queue and which replicas are alive", async (t) => {
  const set = await replicas(2, false);
  t.after(() => set.close());
  const [a, b] = set.replicas as [(typeof set.replicas)[0], (typeof set.replicas)[0]];
  assert.equal(await post(b.url, okta.createUser(person(9050)).events), 200);
  type Status = { queue: { pending: number }; replicas: { id: string; self: boolean }[] | null };
  const status = async (url: string) => (await (await fetch(`${url}/status.json`)).json()) as Status;
  await waitFor(async () => (await status(a.url)).replicas?.length === 2, "both replicas to be seen", 10_000);
  const seen = await status(a.url);
  assert.equal(seen.queue.pending, 1, "a delivery another replica took");
  assert.equal(seen.replicas?.filter((r) => r.self).length, 1);
  await b.bridge.stop();
  assert.equal((await status(a.url)).replicas?.length, 1, "a stopped replica leaves the list at once");
});

test("a reconcile runs on one replica at a time while another serves live events", async (t) => {
  // Users Okta has and Genesys lacks: drift only a reconcile repairs.
  const drifted = Array.from({ length: 30 }, (_, i) => okta.createUser(person(9100 + i)).user);
  const set = await replicas(2);
  t.after(() => set.close());
  const [a, b] = set.replicas as [(typeof set.replicas)[0], (typeof set.replicas)[0]];
  const start = (url: string) =>
    fetch(`${url}/admin/reconcile`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: "{}",
    });
  assert.equal((await start(a.url)).status, 202);
  assert.equal((await start(b.url)).status, 409, "the other replica refuses a second run");
  const live = Array.from({ length: 10 }, (_, i) => okta.createUser(person(9200 + i)));
  for (const { events } of live) assert.equal(await post(b.url, events), 200);
  await waitFor(
    () => diffDirectories(okta.users(), genesys.users()).differences.length === 0,
    "Genesys to match Okta",
    30_000,
  );
  for (const user of [...drifted, ...live.map((l) => l.user)]) assert.ok(genesys.findByExternalId(user.id));
  await waitFor(
    async () => (await a.bridge.store.latestReconcileRun())?.finishedAt !== undefined,
    "the run to finish",
    10_000,
  );
  assert.equal((await start(b.url)).status, 202, "once it finished, any replica may run the next");
});

/** The 429s and requests `count` replicas meet writing `users` new users on a quota of 20 per second. */
async function throttledOnTightQuota(count: number, users: number, firstPerson: number) {
  const limited = await startGenesysSimulator({
    clients: { [GENESYS_CLIENT]: GENESYS_SECRET },
    rateLimit: { limit: 20, windowMs: 1000 },
    latencyMs: { min: 5, max: 15 },
  });
  const prefix = uniquePrefix("quota-e2e");
  prefixes.push(prefix);
  const set = await startReplicas({
    count,
    oktaUrl: okta.url,
    genesysUrl: limited.url,
    redisUrl: SHARED_REDIS_URL,
    prefix,
    bridge: { startDispatcher: false },
  });
  try {
    const created = Array.from({ length: users }, (_, i) => okta.createUser(person(firstPerson + i)));
    for (const [i, { events }] of created.entries()) {
      assert.equal(await post(set.replicas[i % count]!.url, events), 200);
    }
    for (const r of set.replicas) r.bridge.dispatcher.start();
    await waitFor(
      () => created.every(({ user }) => limited.findByExternalId(user.id)),
      "every user written",
      90_000,
    );
    return limited.stats();
  } finally {
    await set.close();
    await limited.close();
  }
}

test("three replicas on a tight quota with headers meet no more 429s than one process", async () => {
  // Sharing only the pace, three replicas met 4 to 9 429s here where one process met none: each
  // read the window's count from its own answers and counted only its own requests in flight.
  // With the count and every replica's requests in flight in Redis, and each send admitted
  // against them there, together they send into a window what one process would.
  const one = await throttledOnTightQuota(1, 120, 9300);
  const three = await throttledOnTightQuota(3, 120, 9500);
  assert.ok(
    three.throttled <= one.throttled,
    `three replicas: ${three.throttled} 429s of ${three.requests}; one: ${one.throttled} of ${one.requests}`,
  );
});
