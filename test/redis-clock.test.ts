import assert from "./support/assert.ts";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { systemClock, type Clock } from "../src/clock.ts";
import { createLogger } from "../src/log.ts";
import { redisClock } from "../src/redis/redis-clock.ts";
import { connectRedis, redisReady, type Redis } from "../src/redis/redis-connection.ts";
import { openRedisStore } from "../src/store/redis-store.ts";
import { event } from "./support/store-contract.ts";
import { dropPrefix, SHARED_REDIS_URL, uniquePrefix } from "./support/redis.ts";

const connections: Redis[] = [];
const prefixes: string[] = [];
after(async () => {
  for (const prefix of prefixes) await dropPrefix(connections[0]!, prefix);
  for (const redis of connections) redis.disconnect();
});

async function connect(): Promise<Redis> {
  const redis = connectRedis({ url: SHARED_REDIS_URL, log: createLogger({ level: "silent" }) });
  connections.push(redis);
  await redisReady(redis, 5000);
  return redis;
}

/** A host whose clock is `skewMs` off, as a replica without NTP would be. */
const skewed = (skewMs: number): Clock => ({ ...systemClock, now: () => Date.now() + skewMs });

test("a replica whose clock runs a minute ahead keeps Redis's time, and says so once", async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const redis = await connect();
  const clock = redisClock(skewed(60_000), redis, createLogger({ level: "info", destination: sink }));
  await clock.measured();
  const [seconds, micros] = await redis.time();
  const server = Number(seconds) * 1000 + Number(micros) / 1000;
  // Half a round trip on loopback; a second is far beyond any error the measurement can make.
  assert.ok(Math.abs(clock.now() - server) < 1_000, `${clock.now() - server} ms off Redis`);
  assert.ok(Math.abs(clock.offsetMs() + 60_000) < 1_000);
  assert.equal(lines.filter((l) => String(l["msg"]).includes("clock differs from Redis")).length, 1);
});

test("a replica whose clock runs a minute ahead does not take over another's live lease", async (t) => {
  const prefix = uniquePrefix("clock");
  prefixes.push(prefix);
  const log = createLogger({ level: "silent" });
  const store = async (clock: Clock) =>
    openRedisStore({ redis: await connect(), prefix, clock: () => clock.now() });
  const onTime = redisClock(systemClock, await connect(), log);
  const ahead = redisClock(skewed(60_000), await connect(), log);
  await Promise.all([onTime.measured(), ahead.measured()]);
  const a = await store(onTime);
  const b = await store(ahead);
  t.after(() => Promise.all([a.close(), b.close()]));
  await a.accept({ id: "d1", events: [event("00uA")] });
  const [held] = await a.claim({ limit: 10, leaseMs: 10_000 });
  assert.equal(held?.oktaUserId, "00uA");
  assert.deepEqual(await b.claim({ limit: 10, leaseMs: 10_000 }), [], "a's lease still runs on Redis's time");
  // On its own clock the same replica would see the lease long expired and take the user over.
  const unaligned = await store(skewed(60_000));
  t.after(() => unaligned.close());
  assert.equal((await unaligned.claim({ limit: 10, leaseMs: 10_000 })).length, 1);
});
