import type { QuotaPlan } from "./quota-plan.ts";
import { TimeLog } from "./time-log.ts";

/** Kept back for other consumers' requests that land between two of our readings. */
const RESERVE_SHARE = 0.005;

interface Reading {
  allowed: number;
  used: number;
  /** When the answer that brought the reading arrived. */
  at: number;
}

/**
 * The budget of a rolling (sliding-log) limit: a slot frees when the request that took it is one
 * window old, not all at once. From the count in the latest answer, it adds back our own requests
 * that have aged out since and takes off the ones counted after it, so between readings it knows
 * which slots have come free instead of guessing. Others' requests are not in our log: their slots
 * are never assumed free early, so the estimate errs on the side of fewer 429s.
 *
 * A request's time in our log is when its answer arrived: the upstream counted it no later, so its
 * slot frees no later than that plus the window length, and a request sent `leadMs` earlier (less
 * than it takes to reach the upstream) finds it free. (Send times would be a round trip closer,
 * but the trip varies, and a request that arrives before the slot frees is a 429.)
 */
export class RollingWindow {
  /** Answer times of our counted requests over the last two windows, in order. */
  private readonly counted = new TimeLog();
  private latest: Reading | undefined;

  observe(allowed: number, used: number, receivedAt: number): void {
    if (this.latest !== undefined && receivedAt < this.latest.at) return;
    this.latest = { allowed, used, at: receivedAt };
  }

  /**
   * Another replica's reading (shared through the quota state), taken only when it is newer than
   * ours: one of the same moment would replace our count, which ages, with a window's highest.
   */
  observeNewer(allowed: number, used: number, receivedAt: number): void {
    if (this.latest === undefined || receivedAt > this.latest.at) this.observe(allowed, used, receivedAt);
  }

  /** One of our requests was counted by the upstream (answered with a reading, 429s included). */
  countedAt(receivedAt: number): void {
    this.counted.push(receivedAt);
  }

  /**
   * Any free slot may be used at once, at up to `fastRate`: a slot left free is a request the window
   * will never take back. An empty log (a burst's start) lets a whole window's allowance go early;
   * a full one sends as slots come free, which is at the quota.
   */
  plan(now: number, inFlight: number, windowMs: number, fastRate: number, leadMs: number): QuotaPlan {
    const r = this.latest;
    if (r === undefined) return { rate: Infinity, holdUntil: 0 };
    this.counted.forget(now - 2 * windowMs);
    // What matters is the window when a request sent now arrives, `leadMs` from now.
    const windowStart = now + leadMs - windowMs;
    // Counted at the reading and aged out since; counted after it and still in the window.
    const aged =
      this.counted.countAfter(r.at - windowMs) - this.counted.countAfter(Math.min(r.at, windowStart));
    const since = this.counted.countAfter(Math.max(r.at, windowStart));
    const stillUsed = windowStart >= r.at ? 0 : r.used - Math.max(0, aged);
    const reserve = Math.max(1, Math.ceil(r.allowed * RESERVE_SHARE));
    const budget = r.allowed - stillUsed - since - inFlight - reserve;
    if (budget >= 1) {
      // Its count ages as slots free, which a shared window's highest count does not: the
      // admission takes this replica's count as it is (an empty range of ends matches no shared
      // window) and adds every replica's requests in flight.
      const admission = {
        allowed: r.allowed,
        used: stillUsed + since,
        readAt: r.at,
        reserve,
        cutoff: Infinity,
        endLo: Infinity,
        endHi: Number.NEGATIVE_INFINITY,
      };
      return { rate: fastRate, holdUntil: 0, admission };
    }
    // Others' slots free unseen: a fresh reading will show them; until one comes, poll at the pace
    // one slot frees at the quota.
    const ours = (this.counted.firstTimeAfter(windowStart) ?? Infinity) + windowMs - leadMs;
    const poll = now + windowMs / r.allowed;
    return { rate: Infinity, holdUntil: ours > now ? Math.min(ours, poll) : poll };
  }
}
