import { TimeLog } from "./time-log.ts";

export interface AimdRateOptions {
  initialRate: number;
  minRate: number;
  maxRate: number;
  /**
   * How long the upstream counts requests over (Genesys and Okta both count per minute). Every time
   * constant below is a share of it: a 429 can come up to a window after the rate that caused it,
   * so the rate must not move much faster than the window turns over.
   */
  windowMs: number;
}

/** Multiplicative decrease: gentle, because a 429 also pauses everything until the window resets. */
const DECREASE = 0.9;
/** The knee sits this far under the rate the upstream accepted over the last window. */
const KNEE = 0.97;
/** Slow start doubles the rate every window of demand, until the first congestion signal. */
const SLOW_START_DOUBLINGS_PER_WINDOW = 1;
/** Below the knee the rate comes back at this share of the knee per window: within a tenth of one. */
const RECOVERY_PER_WINDOW = 1;
/** Above the knee it creeps at first (a share of the knee per window)... */
const PROBE_PER_WINDOW = 0.01;
/** ...and the creep doubles every this many windows without a 429 (the quota grew, or a co-consumer left). */
const PROBE_DOUBLING_WINDOWS = 1.5;
const PROBE_PER_WINDOW_MAX = 1;
/** Growth only while the rate is being used: at least this share of it went out lately. */
const MIN_USE = 0.5;
/**
 * After a cut, 429s do not cut again for as long as the cycle that ended took, within these shares
 * of a window: a limit remembers what it counted for a window, so 429s soon after a cut, even to
 * requests sent after it, are most often the same overshoot ageing out, and cutting for each
 * would compound.
 */
const SETTLE_WINDOWS_MIN = 1 / 6;
/** Fewer accepted requests than this say too little about the quota to cut by. */
const MIN_ACCEPTED_TO_MEASURE = 10;
const SETTLE_WINDOWS_MAX = 1 / 2;

/**
 * The rate half of the controller: additive increase while requests succeed under demand,
 * multiplicative decrease once per congestion epoch. `epoch` goes up with every cut; the
 * controller tags each request with the epoch it was sent in, and a 429 from an older epoch is the
 * same congestion the cut already answered (TCP cuts once per round trip for the same reason).
 *
 * A cut starts from the lower of the rate the throttled request was sent at and the rate the
 * upstream accepted over the last window: when a window is spent, that is where the quota is, even
 * after slow start overshot it several times over or while something other than the rate (demand,
 * concurrency) held the sends back. The knee is set just under it: below the knee the rate comes
 * back quickly, above it the growth is convex, as in TCP CUBIC, a creep first and faster the longer
 * no 429 comes. Unlike AWS's CUBIC limiter, which is back at the old limit within seconds and so
 * re-hits a per-window quota every window, it lingers just under the quota.
 */
export class AimdRate {
  rate: number;
  epoch = 0;
  cuts = 0;
  /** Where the quota is thought to be, a little under it. */
  knee: number;
  private slowStart = true;
  private probingMs = 0;
  private lastGrowthAt: number | undefined;
  /** Answer times of accepted requests over the last window, oldest first. */
  private readonly accepted = new TimeLog();
  private firstAcceptedAt: number | undefined;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  private settledAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: AimdRateOptions) {
    this.rate = clamp(options.initialRate, options.minRate, options.maxRate);
    this.knee = this.rate;
  }

  /** A request got an answer other than 429 or 5xx. */
  accept(now: number): void {
    this.firstAcceptedAt ??= now;
    this.accepted.push(now);
  }

  /** Requests per second accepted over the last `spanMs` (or since the first, if that is shorter). */
  acceptedRate(now: number, spanMs = this.options.windowMs): number {
    this.accepted.forget(now - this.options.windowMs, true);
    const since = Math.max(now - spanMs, this.firstAcceptedAt ?? now);
    const ms = now - since;
    return ms > 0 ? (this.accepted.countAfter(since) * 1000) / ms : 0;
  }

  /** A request sent under demand, while this rate was what held it back, succeeded. */
  grow(now: number): void {
    const windowMs = this.options.windowMs;
    // Credit at most two intervals per success, so a success after a quiet spell does not count it.
    const stepMs = Math.min(Math.max(windowMs / 100, 2000 / this.rate), now - (this.lastGrowthAt ?? now));
    this.lastGrowthAt = now;
    // Demand that concurrency or the caller held below the rate says nothing about the quota.
    if (stepMs <= 0 || this.acceptedRate(now, windowMs / 4) < MIN_USE * this.rate) return;
    const windows = stepMs / windowMs;
    if (this.slowStart) {
      this.rate *= 2 ** (SLOW_START_DOUBLINGS_PER_WINDOW * windows);
    } else if (this.rate < this.knee) {
      this.rate = Math.min(this.knee, this.rate + RECOVERY_PER_WINDOW * this.knee * windows);
    } else {
      this.probingMs += stepMs;
      const share = Math.min(
        PROBE_PER_WINDOW_MAX,
        PROBE_PER_WINDOW * 2 ** (this.probingMs / windowMs / PROBE_DOUBLING_WINDOWS),
      );
      // Additive steps, in units of the knee, that grow the longer no 429 comes.
      this.rate += share * this.knee * windows;
    }
    this.rate = Math.min(this.rate, this.options.maxRate);
  }

  /**
   * A 429 to a request sent in epoch `epochAtSend` at `rateAtSend`. It cuts only for a new signal:
   * a request sent before the latest cut, or a 429 while the limit still remembers the last
   * overshoot, is the congestion already answered. Returns whether it cut. See `cut` for
   * `windowLeftMs`.
   */
  throttled(now: number, epochAtSend: number, rateAtSend: number, windowLeftMs?: number): boolean {
    if (epochAtSend !== this.epoch || now < this.settledAt) return false;
    const { windowMs } = this.options;
    const cycleMs = now - Math.max(this.lastCutAt, this.firstAcceptedAt ?? now);
    this.settledAt = now + clamp(cycleMs, SETTLE_WINDOWS_MIN * windowMs, SETTLE_WINDOWS_MAX * windowMs);
    this.lastCutAt = now;
    this.cut(now, rateAtSend, windowLeftMs);
    return true;
  }

  /**
   * One congestion signal. The cut starts from the lower of `rateAtSend` and what the upstream
   * accepted in the window that just ran out, over the window's length: `windowLeftMs` (the retry
   * time, when it is the window's reset) says how much of the window was left, so a fixed window
   * spent early is not taken for a higher quota. Without it (the headers pace, and this rate is only
   * a ceiling over them) the cut starts from the rate at send alone: what was accepted then is the
   * share the headers allowed, not a quota.
   */
  cut(now: number, rateAtSend: number, windowLeftMs?: number): void {
    const { windowMs } = this.options;
    let base = rateAtSend;
    if (windowLeftMs !== undefined) {
      const spentOverMs = windowMs - clamp(windowLeftMs, 0, windowMs / 2);
      // Sending for less than that: what was accepted only says how fast we sent.
      const sendingMs = now - (this.firstAcceptedAt ?? now);
      const overMs = sendingMs < spentOverMs ? sendingMs : windowMs;
      this.accepted.forget(now - windowMs, true);
      const accepted = this.accepted.countAfter(now - Math.min(spentOverMs, sendingMs));
      if (accepted >= MIN_ACCEPTED_TO_MEASURE) base = Math.min(rateAtSend, (accepted * 1000) / overMs);
    }
    this.rate = clamp(Math.min(this.rate, DECREASE * base), this.options.minRate, this.options.maxRate);
    this.knee = Math.max(this.rate, KNEE * base);
    this.slowStart = false;
    this.probingMs = 0;
    this.epoch += 1;
    this.cuts += 1;
  }

  /** The headers told the quota: start near it instead of probing for it. */
  seed(rate: number): void {
    this.slowStart = false;
    this.knee = Math.max(this.knee, rate);
    this.rate = clamp(Math.max(this.rate, rate), this.options.minRate, this.options.maxRate);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
