import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createLogger } from "../src/log.ts";
import { connectRedis, redisReady, type Redis } from "../src/redis/redis-connection.ts";
import { createRedisQuotaState, type RedisQuotaStateOptions } from "../src/redis/redis-quota-state.ts";
import { dropPrefix, SHARED_REDIS_URL, uniquePrefix } from "./support/redis.ts";

const clients: Redis[] = [];
const prefixes: string[] = [];

/** Three replicas' views of one quota: each its own connection, all under one test prefix. */
async function replicas(count: number, options: Partial<RedisQuotaStateOptions> = {}) {
  const prefix = uniquePrefix("quota");
  prefixes.push(prefix);
  const states = [];
  for (let i = 0; i < count; i++) {
    const redis = connectRedis({ url: SHARED_REDIS_URL, log: createLogger({ level: "silent" }) });
    clients.push(redis);
    await redisReady(redis, 5000);
    states.push(
      createRedisQuotaState({ redis, prefix, upstream: "genesys", initialRate: 1, maxRate: 100, ...options }),
    );
  }
  return { prefix, states, redis: clients.at(-1)! };
}

after(async () => {
  const redis = clients[0];
  if (redis) for (const prefix of prefixes) await dropPrefix(redis, prefix);
  for (const client of clients) client.disconnect();
});

test("replicas share one pace: of three asking at once for a 1/s quota, one sends and two wait", async () => {
  const { states } = await replicas(3);
  const answers = await Promise.all(states.map((s) => s.reserve()));
  const granted = answers.filter((a) => a.waitMs === 0);
  assert.equal(granted.length, 1);
  for (const a of answers.filter((x) => x.waitMs > 0))
    assert.ok(a.waitMs > 900 && a.waitMs <= 1000, `${a.waitMs}`);
});

test("one 429 pauses every replica until the retry time", async () => {
  const { states } = await replicas(3, { initialRate: 50 });
  const [a, b, c] = states as [(typeof states)[0], (typeof states)[0], (typeof states)[0]];
  await a.throttled({ epochAtSend: 0, pauseMs: 5000, rate: 40, knee: 45 });
  const before = Date.now();
  for (const other of [b, c]) {
    const { waitMs, state } = await other.reserve();
    assert.ok(waitMs > 4000 && waitMs <= 5000, `waits ${waitMs} ms`);
    assert.ok(state.pausedUntil >= before + 4000);
  }
  // A later, shorter pause never shortens the one in force.
  await b.throttled({ epochAtSend: 1, pauseMs: 10, rate: 30, knee: 30 });
  assert.ok((await c.reserve()).waitMs > 4000);
});

test("one congestion epoch causes one cut, however many replicas saw its 429s", async () => {
  const { states } = await replicas(3, { initialRate: 20 });
  const results = await Promise.all(
    states.map((s, i) => s.throttled({ epochAtSend: 0, pauseMs: 1000, rate: 18 - i, knee: 19 - i })),
  );
  assert.equal(results.filter((r) => r.cut).length, 1);
  const winner = results.findIndex((r) => r.cut);
  const { state } = await states[0]!.reserve();
  assert.equal(state.cuts, 1);
  assert.equal(state.epoch, 1);
  assert.equal(state.rate, 18 - winner, "every replica adopts the one cut");
  // A 429 to a request sent after that cut is a new signal.
  assert.equal((await states[1]!.throttled({ epochAtSend: 1, pauseMs: 0, rate: 10, knee: 12 })).cut, true);
});

test("growth from every replica adds up; growth for a request sent before a cut is dropped", async () => {
  const { states } = await replicas(2, { initialRate: 10 });
  const [a, b] = states as [(typeof states)[0], (typeof states)[0]];
  await a.grow(0, 0.5);
  const { state } = await b.grow(0, 0.25);
  assert.equal(state.rate, 10.75);
  await a.throttled({ epochAtSend: 0, pauseMs: 0, rate: 8, knee: 9 });
  const stale = await b.grow(0, 5);
  assert.equal(stale.grew, false);
  assert.equal(stale.state.rate, 8);
  assert.equal((await b.grow(1, 100)).state.rate, 100, "never above the maximum rate");
});

test("what one replica learns of the quota every replica sees, and the state expires when idle", async () => {
  const { states, prefix, redis } = await replicas(2, { ttlMs: 30_000 });
  await states[0]!.learn({ learnedQuota: 5, rate: 10, knee: 10 });
  const { state } = await states[1]!.reserve();
  assert.equal(state.learnedQuota, 5);
  assert.equal(state.rate, 10);
  const ttl = await redis.pttl(`${prefix}{quota:genesys}`);
  assert.ok(ttl > 0 && ttl <= 30_000, `ttl ${ttl}`);
});
