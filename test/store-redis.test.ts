import assert from "./support/assert.ts";
import { after, test } from "node:test";
import { createLogger } from "../src/log.ts";
import { connectRedis, redisReady } from "../src/redis/redis-connection.ts";
import { openRedisStore } from "../src/store/redis-store.ts";
import type { Store } from "../src/store/store.ts";
import { event, runStoreContract } from "./support/store-contract.ts";
import { dropPrefix, SHARED_REDIS_URL, startPrivateRedis, testRedis, uniquePrefix } from "./support/redis.ts";

const prefixes: string[] = [];
after(async () => {
  const redis = testRedis();
  for (const prefix of prefixes) await dropPrefix(redis, prefix);
  redis.disconnect();
});

/** A store on its own connection and key prefix, as one replica of a cluster would have. */
async function openStore(
  options: { url?: string; prefix?: string; clock?: () => number } = {},
): Promise<Store> {
  const prefix = options.prefix ?? uniquePrefix("store");
  prefixes.push(prefix);
  const redis = connectRedis({
    url: options.url ?? SHARED_REDIS_URL,
    log: createLogger({ level: "silent" }),
  });
  await redisReady(redis, 5000);
  return openRedisStore({
    redis,
    prefix,
    closeConnection: true,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}

runStoreContract("Redis", ({ clock }) => openStore({ clock }));

test("Redis: replicas on one prefix share the inbox, the queue and the fence", async (t) => {
  const prefix = uniquePrefix("store");
  let now = 1_000;
  const clock = () => now;
  const a = await openStore({ prefix, clock });
  const b = await openStore({ prefix, clock });
  t.after(() => Promise.all([a.close(), b.close()]));
  const first = event("00uA", { uuid: "evt-1" });
  await a.accept({ id: "d1", events: [first, event("00uA")] });
  // Okta's retry of the same delivery reaches the other replica.
  assert.deepEqual(await b.accept({ id: "d1", events: [first] }), { stored: 0, queued: 0, duplicates: 1 });
  const [held] = await a.claim({ limit: 10, leaseMs: 10_000 });
  assert.equal(held?.oktaUserId, "00uA");
  assert.deepEqual(await b.claim({ limit: 10, leaseMs: 10_000 }), [], "one pending change, leased by a");
  now += 10_000; // a died: its lease runs out and b takes the work over
  const [taken] = await b.claim({ limit: 10, leaseMs: 10_000 });
  assert.ok(taken && taken.lease.token > held!.lease.token);
  assert.equal(await a.complete(held!), "lost", "the overtaken replica cannot commit");
  assert.equal(await b.complete(taken), "done");
});

test("Redis: nothing acknowledged is lost when Redis crashes, with AOF fsynced on every write", async (t) => {
  const server = await startPrivateRedis();
  t.after(() => server.close());
  const prefix = uniquePrefix("store");
  const store = await openStore({ url: server.url, prefix });
  t.after(() => store.close());
  const events = Array.from({ length: 50 }, (_, i) => event(`00u${i}`));
  assert.equal((await store.accept({ id: "d1", events })).stored, 50);
  await server.stop("SIGKILL");
  await assert.rejects(store.accept({ id: "d2", events: [event("00uLate")] }), "refused while Redis is down");
  await server.start();
  const after = await openStore({ url: server.url, prefix });
  t.after(() => after.close());
  assert.equal((await after.stats()).pending, 50);
  assert.equal((await after.accept({ id: "d1", events })).duplicates, 50, "the uuids survived too");
});
