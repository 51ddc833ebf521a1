import { systemClock, type Clock } from "../clock.ts";
import type { Redis } from "./redis-connection.ts";
import { redisScript, type RedisScript } from "./redis-script.ts";
import { GROW, LEARN, RESERVE, THROTTLED } from "./quota-scripts.ts";

/** The quota state every replica shares, as of the last call (times on this process's clock). */
export interface SharedQuota {
  /** Requests per second all replicas together may send. */
  rate: number;
  /** Goes up with every cut: a 429 to a request sent in an older epoch was already answered. */
  epoch: number;
  cuts: number;
  /** Epoch ms until which every replica holds its requests; 0 = not paused. */
  pausedUntil: number;
  /** Where the quota is thought to be (the AIMD knee). */
  knee: number;
  /** Requests per second the headers told the quota allows, once any replica learned it. */
  learnedQuota: number | undefined;
}

export interface RedisQuotaStateOptions {
  redis: Redis;
  /** REDIS_PREFIX. */
  prefix: string;
  /** One state per upstream quota (the Genesys client id, the Okta token). */
  upstream: string;
  initialRate: number;
  maxRate: number;
  clock?: Clock;
  /** The state expires this long after the last request of any replica. Default 10 minutes. */
  ttlMs?: number;
  /** A slot may be taken this early, so a replica's timer running late does not lose it. Default 5 ms. */
  toleranceMs?: number;
}

export interface RedisQuotaState {
  /** Takes the next send slot cluster-wide, or says how long to wait (paused, or the pace). */
  reserve(): Promise<{ waitMs: number; state: SharedQuota }>;
  /**
   * A 429 to a request sent in `epochAtSend`: pauses every replica for `pauseMs`, and cuts to `rate`
   * and `knee` unless another replica already cut for this epoch. `cut` says whether this one did.
   */
  throttled(input: { epochAtSend: number; pauseMs: number; rate: number; knee: number }): Promise<{
    cut: boolean;
    state: SharedQuota;
  }>;
  /** A success under demand: raises the shared rate by `increase`, unless a cut came since `epochAtSend`. */
  grow(epochAtSend: number, increase: number): Promise<{ grew: boolean; state: SharedQuota }>;
  /** Shares what the headers told of the quota, and a rate to seed from it. */
  learn(fields: { learnedQuota?: number; rate?: number; knee?: number }): Promise<SharedQuota>;
  /** The state as the last call saw it (no round trip). */
  last(): SharedQuota;
}

/**
 * The rate controller's state that the quota depends on, in one Redis hash per upstream, changed
 * only by Lua scripts (quota-scripts.ts), so that replicas pace as one: one GCRA schedule for all
 * their sends, one pause after a 429, one cut per congestion epoch, and growth from every
 * replica's successes. The AIMD arithmetic (how far to cut, how much to grow) stays in the
 * controller; Redis decides only what must be decided once for everyone.
 */
export function createRedisQuotaState(options: RedisQuotaStateOptions): RedisQuotaState {
  const { redis, initialRate, maxRate } = options;
  const clock = options.clock ?? systemClock;
  const ttl = options.ttlMs ?? 10 * 60_000;
  const tolerance = options.toleranceMs ?? 5;
  // The hash tag keeps every key of one quota on one Cluster slot.
  const key = [`${options.prefix}{quota:${options.upstream}}`];
  const scripts: Record<"reserve" | "throttled" | "grow" | "learn", RedisScript> = {
    reserve: redisScript(redis, "quota_reserve", 1, RESERVE),
    throttled: redisScript(redis, "quota_throttled", 1, THROTTLED),
    grow: redisScript(redis, "quota_grow", 1, GROW),
    learn: redisScript(redis, "quota_learn", 1, LEARN),
  };
  let last: SharedQuota = {
    rate: initialRate,
    epoch: 0,
    cuts: 0,
    pausedUntil: 0,
    knee: initialRate,
    learnedQuota: undefined,
  };

  /** Splits a reply into its leading values and the state, moving server times onto this clock. */
  const read = (reply: unknown, leading: number): (string | number)[] => {
    const values = reply as (string | number)[];
    const [rate, epoch, pausedUntil, cuts, learned, knee, serverNow] = values.slice(leading);
    const now = clock.now();
    const pausedFor = Number(pausedUntil) - Number(serverNow);
    last = {
      rate: Number(rate),
      epoch: Number(epoch),
      cuts: Number(cuts),
      pausedUntil: pausedFor > 0 ? now + pausedFor : 0,
      knee: Number(knee),
      learnedQuota: learned === "" || learned === undefined ? undefined : Number(learned),
    };
    return values.slice(0, leading);
  };

  return {
    async reserve() {
      const [wait] = read(await scripts.reserve.run(key, [initialRate, ttl, tolerance]), 1);
      return { waitMs: Math.max(0, Number(wait)), state: last };
    },
    async throttled({ epochAtSend, pauseMs, rate, knee }) {
      const clamp = (v: number) => Math.min(maxRate, Math.max(v, 1e-3));
      const reply = await scripts.throttled.run(key, [
        epochAtSend,
        Math.max(0, Math.ceil(pauseMs)),
        clamp(rate),
        clamp(knee),
        initialRate,
        ttl,
      ]);
      const [cut] = read(reply, 1);
      return { cut: Number(cut) === 1, state: last };
    },
    async grow(epochAtSend, increase) {
      const reply = await scripts.grow.run(key, [
        epochAtSend,
        Math.max(0, increase),
        maxRate,
        initialRate,
        ttl,
      ]);
      const [grew] = read(reply, 1);
      return { grew: Number(grew) === 1, state: last };
    },
    async learn(fields) {
      const pairs: (string | number)[] = [];
      if (fields.learnedQuota !== undefined) pairs.push("learned", fields.learnedQuota);
      if (fields.rate !== undefined) pairs.push("rate", Math.min(maxRate, fields.rate));
      if (fields.knee !== undefined) pairs.push("knee", fields.knee);
      read(await scripts.learn.run(key, [initialRate, ttl, ...pairs]), 1);
      return last;
    },
    last: () => last,
  };
}
