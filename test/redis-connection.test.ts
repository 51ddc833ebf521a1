import assert from "./support/assert.ts";
import { test } from "node:test";
import { Writable } from "node:stream";
import { createLogger } from "../src/log.ts";
import { connectRedis, redactRedisUrl, redisReady } from "../src/redis/redis-connection.ts";
import { checkRedisPersistence } from "../src/redis/redis-persistence.ts";
import { SHARED_REDIS_URL, startPrivateRedis, testRedis } from "./support/redis.ts";

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  });
  return { log, lines };
}

const WARN = 40;

test("a Redis URL is logged without its user or password", () => {
  assert.equal(
    redactRedisUrl("rediss://app:hunter2-secret@redis.example:6380/2"),
    "rediss://redis.example:6380/2",
  );
  assert.equal(redactRedisUrl("redis://:pw@10.0.0.5:6379"), "redis://10.0.0.5:6379");
});

test("a server with AOF off gets a warning at start; AOF fsynced on every write gets none", async (t) => {
  const shared = capturingLogger();
  const onShared = testRedis(SHARED_REDIS_URL);
  t.after(() => onShared.disconnect());
  const reading = await checkRedisPersistence(onShared, shared.log);
  assert.equal(reading.appendonly, "no", "the machine's Redis keeps nothing on disk");
  assert.ok(shared.lines.some((l) => l.level === WARN && /appendonly yes/.test(l.msg)));

  const priv = await startPrivateRedis();
  t.after(() => priv.close());
  const quiet = capturingLogger();
  const onPrivate = testRedis(priv.url);
  t.after(() => onPrivate.disconnect());
  assert.deepEqual(await checkRedisPersistence(onPrivate, quiet.log), {
    appendonly: "yes",
    appendfsync: "always",
  });
  assert.equal(quiet.lines.filter((l) => l.level >= WARN).length, 0);
});

test("a server that refuses CONFIG gets no warning", async (t) => {
  const priv = await startPrivateRedis();
  t.after(() => priv.close());
  const admin = testRedis(priv.url);
  t.after(() => admin.disconnect());
  // What managed services do: CONFIG is not for the application's user.
  await admin.call("ACL", "SETUSER", "app", "on", ">app-password-1", "~*", "+@all", "-config");
  const { log, lines } = capturingLogger();
  const app = testRedis(`redis://app:app-password-1@127.0.0.1:${priv.port}`);
  t.after(() => app.disconnect());
  assert.deepEqual(await checkRedisPersistence(app, log), { appendonly: undefined, appendfsync: undefined });
  assert.equal(lines.filter((l) => l.level >= WARN).length, 0);
});

test("while Redis is away commands fail at once, and the connection comes back by itself", async (t) => {
  const priv = await startPrivateRedis();
  t.after(() => priv.close());
  const { log, lines } = capturingLogger();
  const redis = connectRedis({
    url: `redis://:unused@127.0.0.1:${priv.port}`,
    log,
    maxReconnectDelayMs: 100,
  });
  t.after(() => redis.disconnect());
  await redisReady(redis, 5000);
  await redis.set("k", "v");
  await priv.stop();
  await assert.rejects(redis.get("k"));
  await priv.start();
  await redisReady(redis, 10_000).catch(() => {});
  await waitUntil(async () => (await redis.get("k").catch(() => undefined)) === "v");
  assert.equal(
    lines.filter((l) => l.msg.startsWith("Redis unreachable")).length,
    1,
    "one warning per outage",
  );
  assert.ok(lines.some((l) => l.msg === "Redis reachable again"));
  assert.ok(
    lines.every((l) => !JSON.stringify(l).includes("unused")),
    "the password is never logged",
  );
});

async function waitUntil(check: () => Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not met");
}
