import type { Redis } from "../redis/redis-connection.ts";
import { redisScript } from "../redis/redis-script.ts";
import { coalesceChanges } from "./coalescer.ts";
import { eventKey, KEY_NAMES, storeKeys } from "./redis/redis-keys.ts";
import { createRedisQueue, queueCounts } from "./redis/redis-queue.ts";
import { createRedisReconcileRuns } from "./redis/redis-reconcile-runs.ts";
import { createRedisUserRecords } from "./redis/redis-user-records.ts";
import * as groups from "./redis/group-scripts.ts";
import { createRedisGroupQueue } from "./redis/redis-group-queue.ts";
import * as queue from "./redis/store-scripts.ts";
import * as runs from "./redis/reconcile-scripts.ts";
import type { Store } from "./store.ts";

export interface RedisStoreOptions {
  redis: Redis;
  /** REDIS_PREFIX: every key starts with it. */
  prefix: string;
  /**
   * Lease expiry, backoff and enqueue times. Replicas read their own clocks: with NTP they agree
   * within milliseconds, far inside the lease (seconds) that such a difference could shorten.
   */
  clock?: () => number;
  /** How long event uuids are remembered for deduplication. Default 24 h (Okta retries within minutes). */
  eventRetentionMs?: number;
  /** close() also closes the connection. Default false: the bridge owns it. */
  closeConnection?: boolean;
}

/**
 * The store for several replicas: every replica sees one inbox, one queue with one pending change
 * per user, the same leases, dead letters, user records and reconcile runs. Each step that reads
 * and writes is one Lua script, atomic on the server; the reply comes after Redis applied it (and,
 * with appendfsync always, after it reached the disk), so a delivery is acknowledged only then.
 */
export function openRedisStore(options: RedisStoreOptions): Store {
  const { redis, prefix } = options;
  const now = options.clock ?? Date.now;
  const keys = storeKeys(prefix);
  const key = (name: (typeof KEY_NAMES)[number]) => keys[KEY_NAMES.indexOf(name)]!;
  const script = (name: string, lua: string) => redisScript(redis, `store_${name}`, keys.length, lua);
  const stats = script("stats", queue.STATS);
  const workQueue = createRedisQueue({
    scripts: {
      // The inbox adds one key per event uuid after the fixed ones, so its key count varies.
      accept: redisScript(redis, "store_accept", "any", queue.ACCEPT),
      enqueue: script("enqueue", queue.ENQUEUE),
      claim: script("claim", queue.CLAIM),
      holderStep: script("holder_step", queue.HOLDER_STEP),
      retryDead: script("retry_dead", queue.RETRY_DEAD),
      listDead: script("list_dead", queue.LIST_DEAD),
      stats,
    },
    keys,
    eventKey: (uuid) => eventKey(prefix, uuid),
    now,
    eventRetentionMs: options.eventRetentionMs ?? 24 * 3600_000,
    coalesce: coalesceChanges,
  });
  const reconcileRuns = createRedisReconcileRuns(
    {
      begin: script("run_begin", runs.BEGIN_RUN),
      checkpoint: script("run_checkpoint", runs.SAVE_CHECKPOINT),
      genesysPage: script("run_genesys_page", runs.GENESYS_PAGE),
      snapshot: script("run_snapshot", runs.SNAPSHOT),
      oktaPage: script("run_okta_page", runs.OKTA_PAGE),
      finish: script("run_finish", runs.FINISH_RUN),
      read: script("run_read", runs.READ_RUN),
    },
    keys,
    now,
    coalesceChanges,
  );
  return {
    ...workQueue,
    ...createRedisUserRecords(redis, key("users"), key("owners")),
    ...createRedisGroupQueue(
      {
        enqueue: script("groups_enqueue", groups.ENQUEUE_GROUPS),
        claim: script("groups_claim", groups.CLAIM_GROUPS),
        step: script("groups_step", groups.GROUP_STEP),
        count: () => redis.hlen(key("groups")),
      },
      keys,
      now,
    ),
    ...reconcileRuns,
    async stats() {
      const counts = await queueCounts(stats, keys);
      return {
        pending: counts.live + counts.bulk,
        oldestEnqueuedAt: counts.oldestEnqueuedAt,
        deadLetters: counts.deadLetters,
      };
    },
    async writable() {
      if (redis.status !== "ready") return false;
      try {
        await redis.set(`${prefix}{q}:probe`, String(now()), "PX", 60_000);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (options.closeConnection) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
