import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { RunLock } from "../reconcile/exclusive-reconciler.ts";
import { openRedisStore } from "../store/redis-store.ts";
import type { Store } from "../store/store.ts";
import type { MemoryQuotaStateOptions } from "../throttle/quota-state.ts";
import { redisClock, type RedisClock } from "./redis-clock.ts";
import { connectRedis, redisReady, type Redis } from "./redis-connection.ts";
import { checkRedisPersistence } from "./redis-persistence.ts";
import { createRedisQuotaState, type RedisQuotaState } from "./redis-quota-state.ts";
import { createReplicaRegistry, type ReplicaRegistry } from "./replica-registry.ts";
import { createRedisRunLock } from "./redis-run-lock.ts";

export interface RedisBackend {
  redis: Redis;
  /** The clock on Redis's time, for everything whose times other replicas compare with theirs. */
  clock: RedisClock;
  store: Store;
  /** The replicas alive, for the status page. */
  replicas: ReplicaRegistry;
  /** One reconcile at a time across the replicas. */
  reconcileLock: RunLock;
  /** The quota state a rate controller shares with the other replicas' controllers of that upstream. */
  quotaState(upstream: string, initial: Required<MemoryQuotaStateOptions>): RedisQuotaState;
  /** Stops the quota states' polls (the store's close() closes the connection). */
  close(): void;
  /** Waits (at start) for the connection; false when Redis did not answer in time. */
  ready(timeoutMs: number): Promise<boolean>;
}

/**
 * What REDIS_URL switches on: the store every replica shares and the cluster-wide locks, over one
 * connection. The persistence check runs on the first connection and says, once, what an
 * acknowledged event can survive.
 */
export function openRedisBackend(options: {
  url: string;
  prefix: string;
  log: Logger;
  clock: Clock;
  /**
   * The longest an upstream request can take (HTTP_TIMEOUT_MS): a request counts as in flight in
   * the shared quota state for twice that, at least a minute, so that a dead replica's requests stop
   * holding the window's budget only once they cannot be running any more.
   */
  requestTimeoutMs?: number;
}): RedisBackend {
  const log = options.log.child({ component: "redis" });
  const redis = connectRedis({ url: options.url, log });
  const clock = redisClock(options.clock, redis, log);
  redis.once("ready", () => void checkRedisPersistence(redis, log).catch(() => undefined));
  const store = openRedisStore({
    redis,
    prefix: options.prefix,
    clock: () => clock.now(),
    closeConnection: true,
  });
  const quotaStates: RedisQuotaState[] = [];
  const replicas = createReplicaRegistry({ redis, key: `${options.prefix}{replicas}`, clock });
  return {
    redis,
    clock,
    store,
    replicas,
    quotaState(upstream, initial) {
      const state = createRedisQuotaState({
        redis,
        prefix: options.prefix,
        upstream,
        ...initial,
        clock,
        flightTtlMs: Math.max(60_000, 2 * (options.requestTimeoutMs ?? 0)),
      });
      quotaStates.push(state);
      return state;
    },
    close() {
      replicas.close();
      for (const state of quotaStates) state.close();
    },
    reconcileLock: createRedisRunLock({ redis, key: `${options.prefix}{reconcile}:lock`, log }),
    ready: (timeoutMs) =>
      redisReady(redis, timeoutMs).then(
        () => true,
        () => false,
      ),
  };
}
