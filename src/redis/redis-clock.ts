import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Redis } from "./redis-connection.ts";

/** TIME round trips per measurement: the shortest one bounds the error best. */
const SAMPLES = 3;
/** An offset this large says the replica's clock is wrong, not merely drifting: worth a warning. */
const WARN_OFFSET_MS = 1_000;

export interface RedisClock extends Clock {
  /** Redis's time minus this process's, as last measured (0 until Redis first answered). */
  offsetMs(): number;
  /** Resolves once the offset has been measured on the current connection (tests, start-up). */
  measured(): Promise<void>;
}

/**
 * This process's clock moved onto Redis's: `now()` is the local time plus an offset measured with
 * TIME at every (re)connection, to within half the shortest of a few round trips. Replicas share
 * leases (lease-until times) and the quota state (pause-until, the send schedule, window ends) in
 * Redis; each compares them with its own "now", so replicas whose clocks disagree by seconds would
 * take over each other's live leases or end a pause early. On Redis's time they agree within a
 * millisecond or so, whatever their own clocks say. Durations and sleeps stay local.
 */
export function redisClock(base: Clock, redis: Redis, log: Logger): RedisClock {
  let offset = 0;
  let measuring: Promise<void> = Promise.resolve();

  const measure = async () => {
    let best: { rtt: number; offset: number } | undefined;
    for (let i = 0; i < SAMPLES; i++) {
      const sent = base.now();
      const [seconds, micros] = await redis.time();
      const received = base.now();
      const server = Number(seconds) * 1000 + Number(micros) / 1000;
      const sample = { rtt: received - sent, offset: server - (sent + received) / 2 };
      if (best === undefined || sample.rtt < best.rtt) best = sample;
    }
    if (best === undefined) return;
    offset = best.offset;
    if (Math.abs(offset) >= WARN_OFFSET_MS) {
      log.warn(
        { offsetMs: Math.round(offset) },
        "this host's clock differs from Redis's: leases and the shared quota use Redis's time",
      );
    }
  };
  const remeasure = () => {
    measuring = measure().catch(() => undefined); // Redis gone again: the next "ready" measures
  };
  redis.on("ready", remeasure);
  if (redis.status === "ready") remeasure();

  return {
    now: () => base.now() + offset,
    sleep: (ms, signal) => base.sleep(ms, signal),
    offsetMs: () => offset,
    measured: () => measuring,
  };
}
