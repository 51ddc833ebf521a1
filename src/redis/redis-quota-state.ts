import { systemClock, type Clock } from "../clock.ts";
import {
  initialQuotaSnapshot,
  quotaRules,
  type LearnedLimit,
  type QuotaState,
} from "../throttle/quota-state.ts";
import type { Redis } from "./redis-connection.ts";
import { QUOTA_STEP } from "./quota-scripts.ts";
import { redisScript, type ScriptArg } from "./redis-script.ts";

export interface RedisQuotaStateOptions {
  redis: Redis;
  /** REDIS_PREFIX. */
  prefix: string;
  /** One state per upstream quota (the Genesys client id, the Okta token). */
  upstream: string;
  initialRate: number;
  slowStart?: boolean;
  clock?: Clock;
  /** The state expires this long after the last step of any replica. Default 10 minutes. */
  ttlMs?: number;
  /** How often an idle replica reads the others' cuts and pauses. Default 200 ms. */
  pollMs?: number;
}

export interface RedisQuotaState extends QuotaState {
  /** Resolves once every step taken so far has been answered by Redis (tests, shutdown). */
  synced(): Promise<void>;
  close(): void;
}

/**
 * The QuotaState replicas on one client id share, in a Redis hash changed only by one Lua script
 * (quota-scripts.ts). The controller decides within a tick, so the interface is synchronous: this
 * keeps a local mirror, applies each step to it at once by the in-memory rules, and sends the same
 * step to Redis, where it is decided again against every replica's steps; the reply of the latest
 * step replaces the mirror. A mirror is at most a round trip (well under a millisecond) behind, so
 * two replicas may send within the same interval now and then, but every send advances the one
 * schedule on the server, so the replicas' sum keeps to the rate; one 429 pauses everyone by their
 * next step or poll, and of the cuts several replicas decide for one epoch only the first stands.
 * Times are the callers' clocks (epoch ms): replicas with NTP agree within milliseconds.
 * While Redis is away the mirror goes on alone, as one process would.
 * One closure, longer than most, on purpose: every method reads and replaces the same mirror.
 */
export function createRedisQuotaState(options: RedisQuotaStateOptions): RedisQuotaState {
  const clock = options.clock ?? systemClock;
  const key = [`${options.prefix}{quota:${options.upstream}}`];
  const script = redisScript(options.redis, "quota_step", 1, QUOTA_STEP);
  const head: ScriptArg[] = [
    options.ttlMs ?? 10 * 60_000,
    options.initialRate,
    options.slowStart === false ? "0" : "1",
  ];
  const s = initialQuotaSnapshot(options);

  /** The schedule as this replica's own grants left it, and as Redis last told it. */
  let localNext = Number.NEGATIVE_INFINITY;
  let sharedNext = Number.NEGATIVE_INFINITY;
  let sent = 0;
  let inFlight: Promise<unknown> = Promise.resolve();

  const adopt = (reply: unknown) => {
    const [, rate, knee, slow, epoch, cuts, cutAt, settled, pausedUntil, pausedAt, limit, tat] = (
      reply as string[]
    ).map(String);
    const time = (v: string | undefined) =>
      v === "" || v === undefined ? Number.NEGATIVE_INFINITY : Number(v);
    s.rate = Number(rate);
    s.knee = Number(knee);
    s.slowStart = slow === "1";
    s.epoch = Number(epoch);
    s.cuts = Number(cuts);
    s.cutAt = time(cutAt);
    s.settledUntil = time(settled);
    s.limit = limit ? (JSON.parse(limit) as LearnedLimit) : undefined;
    // A pause another replica started (or lengthened) holds here too; one that ended here stays ended.
    if (Number(pausedUntil) > Math.max(s.pausedUntil, clock.now())) {
      s.pausedUntil = Number(pausedUntil);
      s.pausedAt = Number(pausedAt);
    }
    sharedNext = time(tat);
  };

  const send = (step: string, ...args: ScriptArg[]) => {
    const seq = ++sent;
    const reply = script.run(key, [step, ...head, ...args]).then(
      // Only the latest step's reply includes all of this replica's steps.
      (r) => seq === sent && adopt(r),
      () => undefined, // Redis away: the mirror carries on; the next step or poll catches up
    );
    inFlight = Promise.all([inFlight, reply]);
  };

  const poll = setInterval(() => {
    if (options.redis.status === "ready") send("read");
  }, options.pollMs ?? 200);
  poll.unref();
  send("read");

  return {
    read: () => s,
    grow(epoch, rate, slowStart) {
      const increase = rate - s.rate;
      if (!quotaRules.grow(s, epoch, rate, slowStart)) return false;
      send("grow", epoch, increase, slowStart ? "1" : "0");
      return true;
    },
    cut(epochAtSend, cut) {
      if (!quotaRules.cut(s, epochAtSend, cut)) return false;
      const limit = cut.limit === undefined ? "" : JSON.stringify(cut.limit);
      send("cut", epochAtSend, cut.rate, cut.knee, cut.at, cut.settledUntil, limit);
      return true;
    },
    seed(rate, knee, at) {
      send("seed", s.epoch, rate, knee, at);
      quotaRules.seed(s, rate, knee, at);
    },
    pause(until, now) {
      const before = s.pausedUntil;
      const started = quotaRules.pause(s, until, now);
      if (s.pausedUntil !== before) send("pause", until, now);
      return started;
    },
    resumeIfDue: (now) => quotaRules.resumeIfDue(s, now),
    takeSlot(now, intervalMs, toleranceMs) {
      const due = Math.max(localNext, sharedNext);
      if (due > now) return due;
      localNext = Math.max(due, now - toleranceMs) + intervalMs;
      send("slot", now, intervalMs, toleranceMs);
      return now;
    },
    restartSlots(at) {
      localNext = at;
      sharedNext = Math.min(sharedNext, at);
      send("restart", at);
    },
    async synced() {
      let seen: Promise<unknown>;
      do {
        seen = inFlight;
        await seen;
      } while (seen !== inFlight);
    },
    close() {
      clearInterval(poll);
    },
  };
}
