import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Clock } from "../clock.ts";
import type { Redis } from "./redis-connection.ts";

/** One replica as the status page shows it. */
export interface ReplicaSeen {
  id: string;
  /** Seconds since its last heartbeat. */
  seenSecondsAgo: number;
  startedAt: number;
  /** The replica that answered this request. */
  self: boolean;
}

export interface ReplicaRegistry {
  readonly id: string;
  /** Replicas whose heartbeat is recent (this one included once Redis has heard from it). */
  alive(): Promise<ReplicaSeen[]>;
  close(): void;
}

/** A replica that missed this many heartbeats is taken for gone; its entry is dropped much later. */
const ALIVE_MS = 10_000;
const FORGET_MS = 10 * 60_000;

/**
 * Which replicas are alive, for the status page: each writes a heartbeat into one Redis hash every
 * `beatMs`. Nothing depends on it for correctness (leases and the shared quota do not need to know
 * who else is there); it tells an operator how many replicas share the work right now.
 */
export function createReplicaRegistry(options: {
  redis: Redis;
  key: string;
  clock: Clock;
  beatMs?: number;
}): ReplicaRegistry {
  const { redis, key, clock } = options;
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const startedAt = clock.now();
  const beat = () => {
    if (redis.status !== "ready") return;
    redis.hset(key, id, JSON.stringify({ startedAt, seenAt: clock.now() })).catch(() => undefined);
  };
  const timer = setInterval(beat, options.beatMs ?? 2_000);
  timer.unref();
  redis.on("ready", beat);
  return {
    id,
    async alive() {
      const now = clock.now();
      const all = await redis.hgetall(key);
      const seen: ReplicaSeen[] = [];
      for (const [replica, raw] of Object.entries(all)) {
        const entry = JSON.parse(raw) as { startedAt: number; seenAt: number };
        const ago = now - entry.seenAt;
        if (ago > FORGET_MS) void redis.hdel(key, replica).catch(() => undefined);
        if (ago > ALIVE_MS) continue;
        seen.push({
          id: replica,
          seenSecondsAgo: Math.max(0, Math.round(ago / 100) / 10),
          startedAt: entry.startedAt,
          self: replica === id,
        });
      }
      return seen.sort((a, b) => a.startedAt - b.startedAt);
    },
    close() {
      clearInterval(timer);
      redis.off("ready", beat);
      // Gone at once from the others' status pages, rather than after ALIVE_MS.
      if (redis.status === "ready") void redis.hdel(key, id).catch(() => undefined);
    },
  };
}
