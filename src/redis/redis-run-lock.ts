import { randomUUID } from "node:crypto";
import type { Logger } from "../log.ts";
import type { RunLock } from "../reconcile/exclusive-reconciler.ts";
import type { Redis } from "./redis-connection.ts";
import { redisScript } from "./redis-script.ts";

/** Extends the lock only for its owner. ARGV: owner, ttl ms. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
/** Releases the lock only for its owner. ARGV: owner. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisRunLockOptions {
  redis: Redis;
  key: string;
  log: Logger;
  /** The lock outlives a dead holder this long. Default 15 s; renewed every third of it. */
  ttlMs?: number;
}

/** A lease on a key (SET NX PX), renewed while held, released only by its owner. */
export function createRedisRunLock(options: RedisRunLockOptions): RunLock {
  const { redis, key, log } = options;
  const ttlMs = options.ttlMs ?? 15_000;
  const renew = redisScript(redis, "lock_renew", 1, RENEW);
  const release = redisScript(redis, "lock_release", 1, RELEASE);
  return {
    async acquire() {
      const owner = randomUUID();
      if ((await redis.set(key, owner, "PX", ttlMs, "NX")) !== "OK") return undefined;
      const timer = setInterval(() => {
        renew.run([key], [owner, ttlMs]).then(
          (kept) => {
            if (Number(kept) === 0) log.warn({ lock: key }, "a cluster lock expired while held");
          },
          () => undefined, // Redis away: the next renewal tries again, the lock may lapse meanwhile
        );
      }, ttlMs / 3);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await release.run([key], [owner]);
      };
    },
  };
}
