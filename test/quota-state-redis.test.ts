import assert from "./support/assert.ts";
import { after, test } from "node:test";
import { createLogger } from "../src/log.ts";
import { connectRedis, redisReady, type Redis } from "../src/redis/redis-connection.ts";
import { createRedisQuotaState, type RedisQuotaState } from "../src/redis/redis-quota-state.ts";
import { quotaStateContract } from "./support/quota-state-contract.ts";
import { dropPrefix, SHARED_REDIS_URL, uniquePrefix } from "./support/redis.ts";

const clients: Redis[] = [];
const states: RedisQuotaState[] = [];
const prefixes: string[] = [];
after(async () => {
  for (const state of states) state.close();
  const redis = clients[0];
  if (redis) for (const prefix of prefixes) await dropPrefix(redis, prefix);
  for (const client of clients) client.disconnect();
});

/** `count` replicas' views of one quota, each on its own connection, under one fresh prefix. */
async function replicas(count: number, initialRate: number): Promise<RedisQuotaState[]> {
  const prefix = uniquePrefix("quota");
  prefixes.push(prefix);
  const views: RedisQuotaState[] = [];
  for (let i = 0; i < count; i++) {
    const redis = connectRedis({ url: SHARED_REDIS_URL, log: createLogger({ level: "silent" }) });
    clients.push(redis);
    await redisReady(redis, 5000);
    const state = createRedisQuotaState({ redis, prefix, upstream: "genesys", initialRate, pollMs: 50 });
    states.push(state);
    await state.synced();
    views.push(state);
  }
  return views;
}

quotaStateContract("Redis", async (initialRate) => (await replicas(1, initialRate))[0]!);

const T0 = 1_700_000_000_000;
const syncAll = (views: RedisQuotaState[]) => Promise.all(views.map((v) => v.synced()));

test("Redis quota: one congestion epoch causes one cut, however many replicas saw its 429s", async () => {
  const views = await replicas(3, 100);
  // Each replica decides its own cut for the same epoch (as three replicas meeting one burst's 429s).
  views.forEach((v, i) => v.cut(0, { rate: 50 - i, knee: 60, at: T0, settledUntil: T0 + 1_000 }));
  await syncAll(views);
  const rates = new Set(views.map((v) => v.read().rate));
  assert.equal(rates.size, 1, "every replica adopts the one cut that stood");
  assert.ok([48, 49, 50].includes([...rates][0]!));
  for (const view of views) assert.deepEqual([view.read().cuts, view.read().epoch], [1, 1]);
});

test("Redis quota: one replica's 429 pauses every replica", async () => {
  const [a, b, c] = (await replicas(3, 10)) as [RedisQuotaState, RedisQuotaState, RedisQuotaState];
  const now = Date.now();
  assert.equal(a.pause(now + 5_000, now), true);
  await a.synced();
  // The others learn it at their next step (or poll): their next send slot is their own business,
  // but the pause they read holds them.
  b.takeSlot(now, 100, 0);
  c.takeSlot(now, 100, 0);
  await syncAll([b, c]);
  for (const other of [b, c]) assert.equal(other.read().pausedUntil, now + 5_000);
});

test("Redis quota: replicas share one send schedule, so together they keep to the rate", async () => {
  const views = await replicas(3, 20);
  // Two seconds of a quota of 20/s, every replica asking for a slot every 10 ms (times are the
  // callers', so this runs in virtual time): one replica alone would get 40 sends, three
  // unshared schedules 120. A mirror a round trip stale may let a replica in early once.
  let granted = 0;
  for (let t = T0; t < T0 + 2_000; t += 10) {
    for (const view of views) {
      if (view.takeSlot(t, 50, 0) === t) granted++;
      await view.synced();
    }
  }
  assert.ok(granted >= 39 && granted <= 40 + views.length, `${granted} sends`);
});

test("Redis quota: growth from every replica adds up; growth decided before a cut is dropped", async () => {
  const [a, b] = (await replicas(2, 10)) as [RedisQuotaState, RedisQuotaState];
  a.grow(0, 11, true);
  b.grow(0, 10.5, true);
  await syncAll([a, b]);
  a.takeSlot(T0, 1, 0);
  b.takeSlot(T0, 1, 0);
  await syncAll([a, b]);
  assert.equal(a.read().rate, 11.5);
  assert.equal(b.read().rate, 11.5);
  a.cut(0, { rate: 8, knee: 9, at: T0, settledUntil: T0 });
  await a.synced();
  b.grow(0, 20, false); // b's mirror may not have the cut yet; Redis drops this growth
  await b.synced();
  assert.equal(b.read().rate, 8);
  assert.equal(b.read().epoch, 1);
});

test("Redis quota: of replicas that all see the last unit of a window's budget, only one takes it", async () => {
  const views = await replicas(3, 10);
  const admission = {
    allowed: 10,
    used: 8,
    readAt: Infinity,
    reserve: 1,
    cutoff: T0 + 1_000,
    endLo: T0 + 900,
    endHi: T0 + 1_000,
  };
  const answers = await Promise.all(views.map((v, i) => v.send(`r${i}`, T0, admission)));
  assert.deepEqual(answers.filter(Boolean).length, 1, `${answers}`);
  await syncAll(views);
  for (const view of views) {
    const own = answers[views.indexOf(view)] ? 1 : 0;
    assert.equal(view.othersInFlightSentBefore(T0 + 1), 1 - own, "each sees the others' request in flight");
  }
});

test("Redis quota: one replica's answer raises the window's count for every replica", async () => {
  const [a, b] = (await replicas(2, 10)) as [RedisQuotaState, RedisQuotaState];
  const end = { endLo: T0 + 900, endHi: T0 + 1_000 };
  assert.equal(await a.send("x", T0, undefined), true);
  a.landed("x", { allowed: 10, used: 8, ...end, at: T0 + 5 });
  await a.synced();
  // b's own answers showed 2 used: Redis holds it to the 8 a's answer showed.
  const admission = { allowed: 10, used: 2, readAt: Infinity, reserve: 1, cutoff: T0 + 1_000, ...end };
  assert.equal(await b.send("y", T0 + 10, admission), true);
  assert.equal(await b.send("z", T0 + 11, admission), false);
  assert.deepEqual(b.headerWindow(), { allowed: 10, used: 8, ...end, at: T0 + 5 });
});
