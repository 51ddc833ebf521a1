import { randomBytes } from "node:crypto";
import { systemClock, type Clock } from "../clock.ts";
import { budgetRules, type Admission, type HeaderWindow } from "../throttle/header-budget.ts";
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
  /**
   * A request counts as in flight at most this long, so a replica that died with requests out does
   * not hold the window's budget for ever. Default 60 s (four times the default HTTP_TIMEOUT_MS).
   */
  flightTtlMs?: number;
  /** How long a send waits for Redis to admit it before this replica decides alone. Default 250 ms. */
  admissionTimeoutMs?: number;
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
 * Times are the callers' clocks (epoch ms), which the bridge keeps on Redis's time (redis-clock.ts),
 * so replicas agree on them whatever their hosts' clocks say.
 * The one exception is a send the headers' budget constrains: it waits for Redis to admit it
 * (`send`, a round trip), because a mirror a few sends stale near a window's end is exactly where
 * replicas used to meet the 429s one process would not.
 * While Redis is away the mirror goes on alone, as one process would.
 * One closure, longer than most, on purpose: every method reads and replaces the same mirror.
 */
export function createRedisQuotaState(options: RedisQuotaStateOptions): RedisQuotaState {
  const clock = options.clock ?? systemClock;
  const hash = `${options.prefix}{quota:${options.upstream}}`;
  const key = [hash, `${hash}:flight`];
  const script = redisScript(options.redis, "quota_step", 2, QUOTA_STEP);
  const head: ScriptArg[] = [
    options.ttlMs ?? 10 * 60_000,
    options.initialRate,
    options.slowStart === false ? "0" : "1",
    options.flightTtlMs ?? 60_000,
  ];
  const admissionTimeoutMs = options.admissionTimeoutMs ?? 250;
  /** Names this replica's requests in the shared in-flight set. */
  const member = `${randomBytes(6).toString("hex")}:`;
  const s = initialQuotaSnapshot(options);

  /** The schedule as this replica's own grants left it, and as Redis last told it. */
  let localNext = Number.NEGATIVE_INFINITY;
  let sharedNext = Number.NEGATIVE_INFINITY;
  let sent = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  /** The headers' window and the other replicas' requests in flight (send times), as Redis last told. */
  let window: HeaderWindow | undefined;
  let othersFlight: number[] = [];
  /** This replica's own requests in flight: known here at once, whatever Redis last said. */
  const ownFlight = new Map<string, number>();

  const adopt = (reply: unknown) => {
    const fields = reply as unknown[];
    const [, rate, knee, slow, epoch, cuts, cutAt, settled, pausedUntil, pausedAt, limit, tat] = fields
      .slice(0, 12)
      .map(String);
    const [wAllowed, wUsed, wLo, wHi, wAt] = fields.slice(12, 17).map(String);
    const flight = (fields[17] ?? []) as string[];
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
    window =
      wAllowed === "" || wAllowed === undefined
        ? undefined
        : {
            allowed: Number(wAllowed),
            used: Number(wUsed),
            endLo: Number(wLo),
            endHi: Number(wHi),
            at: Number(wAt),
          };
    const others: number[] = [];
    for (let i = 0; i + 1 < flight.length; i += 2) {
      if (!String(flight[i]).startsWith(member)) others.push(Number(flight[i + 1]));
    }
    othersFlight = others;
  };

  /** Alone (Redis away), a replica decides as one process would: on its own requests in flight. */
  const admitsAlone = (a: Admission) =>
    budgetRules.admits(window, budgetRules.sentBefore(ownFlight.values(), a.cutoff), a);

  /** Sends a step; resolves to whether it applied, or undefined when Redis did not answer. */
  const send = (step: string, ...args: ScriptArg[]): Promise<boolean | undefined> => {
    const seq = ++sent;
    const reply = script.run(key, [step, ...head, ...args]).then(
      (r) => {
        // Only the latest step's reply includes all of this replica's steps.
        if (seq === sent) adopt(r);
        return Number((r as unknown[])[0]) === 1;
      },
      () => undefined, // Redis away: the mirror carries on; the next step or poll catches up
    );
    inFlight = Promise.all([inFlight, reply]);
    return reply;
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
    send(id, sentAt, admission) {
      const ready = options.redis.status === "ready";
      if (admission !== undefined && !ready && !admitsAlone(admission)) return false;
      ownFlight.set(id, sentAt);
      if (admission === undefined || !ready) {
        void send("send", member + id, sentAt);
        return true;
      }
      const a = admission;
      const claim = send(
        "send",
        member + id,
        sentAt,
        a.allowed,
        a.used,
        ...finite(a.readAt),
        a.reserve,
        ...finite(a.cutoff, a.endLo, a.endHi),
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>(
        (resolve) => (timer = setTimeout(() => resolve(undefined), admissionTimeoutMs)),
      );
      return Promise.race([claim, late]).then((admitted) => {
        clearTimeout(timer);
        const yes = admitted ?? admitsAlone(a);
        if (!yes) ownFlight.delete(id);
        // Refused here after Redis gave up waiting, yet admitted there: take the claim back.
        if (admitted === undefined && !yes) void claim.then((late) => late && send("land", member + id));
        return yes;
      });
    },
    landed(id, answer) {
      ownFlight.delete(id);
      if (answer === undefined) return void send("land", member + id);
      window = budgetRules.land(window, answer);
      const { allowed, used, endLo, endHi, at } = answer;
      void send("land", member + id, allowed, used, ...finite(endLo, endHi), at);
    },
    othersInFlightSentBefore: (time) => budgetRules.sentBefore(othersFlight, time),
    headerWindow: () => window,
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

/** Lua reads numbers from strings, and "Infinity" is not one: beyond any epoch ms will do. */
function finite(...values: number[]): number[] {
  return values.map((v) => Math.max(-1e300, Math.min(1e300, v)));
}
