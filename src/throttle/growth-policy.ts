import type { LearnedLimit, QuotaState } from "./quota-state.ts";
import { TimeLog } from "./time-log.ts";

export interface GrowthPolicyOptions {
  minRate: number;
  maxRate: number;
}

/**
 * Slow start doubles the rate once a round of evidence came back accepted: at least this long of
 * sends at the rate (and this many), under demand. Per round of evidence rather than per assumed
 * window, an unknown quota from 2/s to 500/s is found in seconds (TCP doubles per round trip).
 */
const ROUND_MS = 250;
const MIN_ROUND_SENDS = 2;
/** After a cut the rate climbs back towards the knee by this share of it per RECOVERY_MS of demand... */
const RECOVERY_SHARE = 0.1;
const RECOVERY_MS = 1_000;
/**
 * ...then probes above it, convex as in TCP CUBIC: +PROBE_SHARE of the knee at first, the step
 * doubling every PROBE_DOUBLING_MS without a 429. A steady limit is then met again only every
 * several seconds (each meeting costs a pause and a few 429s), while a quota that grew several-fold
 * (a raised limit, a co-consumer gone) is found within seconds.
 */
const PROBE_SHARE = 0.02;
const PROBE_DOUBLING_MS = 1_000;
/** Multiplicative decrease from the best estimate of the limit: under it, so the limit's burst refills. */
const DECREASE = 0.9;
/** The knee sits this far under the estimate. */
const KNEE = 0.97;
/**
 * Leaving slow start, the rate before the last doubling went a whole round without a 429: the
 * limit is at least about there, and what was accepted lately overstates it by any burst spent.
 */
const SLOW_START_BACKOFF = 0.5;
/**
 * Growth only while the pace is being used: at least this share of it was accepted over the last
 * USE_SPAN_MS. A pipeline or a busy machine that cannot fill the pace says nothing about the quota,
 * and a pace grown far above what is sent would go out as a burst once the backlog can follow.
 */
const MIN_USE = 0.5;
const USE_SPAN_MS = 1_000;
/** A 429 this far above the knee says the limit moved up (see `congested`). */
const MOVED_OVER_KNEE = 1.5;
/** A limit remembers an overshoot for a while: 429s this soon after a cut are the same signal. */
const SETTLE_MS = 1_000;

/** What a 429 tells the growth policy, from limit-model.ts. */
export interface CongestionSignal {
  now: number;
  epochAtSend: number;
  rateAtSend: number;
  /** Requests per second the binding limit is estimated to sustain (undefined: no estimate). */
  estimate: number | undefined;
  /** The estimate spans a whole window: trust it even leaving slow start. */
  wholeWindow?: boolean;
  limit?: LearnedLimit;
}

/**
 * The pace's growth and cuts, applied to the shared QuotaState: slow start per round of evidence,
 * one multiplicative cut per congestion epoch landing under the estimated limit, then recovery to
 * the knee and a convex probe above it. Growth accrues only while the rate is what holds requests
 * back (an app-limited rate says nothing about the quota).
 */
export class GrowthPolicy {
  private roundStart = Number.NEGATIVE_INFINITY;
  private roundSends = 0;
  private roundEpoch = -1;
  /** Demand time credited above the knee since the last cut: the probe runs on it, not on wall time. */
  private probingMs = 0;
  private probingEpoch = -1;
  private lastGrowthAt: number | undefined;
  /** Answer times of the successes growth was offered, over the last USE_SPAN_MS. */
  private readonly used = new TimeLog();
  private firstUsedAt: number | undefined;

  constructor(
    private readonly state: QuotaState,
    private readonly options: GrowthPolicyOptions,
  ) {}

  /** A request sent under demand, while the rate was what held it back, was accepted. */
  accepted(now: number, epochAtSend: number): void {
    const s = this.state.read();
    this.used.push(now);
    this.firstUsedAt ??= now;
    if (epochAtSend !== s.epoch || !this.paceUsed(now, s.rate)) return;
    if (s.slowStart) return this.slowStart(now, s.epoch, s.rate);
    if (this.probingEpoch !== s.epoch) {
      this.probingEpoch = s.epoch;
      this.probingMs = 0;
      this.lastGrowthAt = undefined;
    }
    // At most two intervals per success, so a success after a quiet spell does not count the spell.
    const stepMs = Math.min(2000 / s.rate, now - (this.lastGrowthAt ?? now));
    this.lastGrowthAt = now;
    if (stepMs <= 0) return;
    let next: number;
    if (s.rate < s.knee) {
      next = Math.min(s.knee, s.rate + (RECOVERY_SHARE * s.knee * stepMs) / RECOVERY_MS);
    } else {
      this.probingMs += stepMs;
      const share = PROBE_SHARE * (2 ** (this.probingMs / PROBE_DOUBLING_MS) - 1);
      next = Math.max(s.rate, s.knee * (1 + share));
    }
    this.state.grow(s.epoch, this.clamp(next), false);
  }

  /** A 429 for a request of the current epoch: cuts once per epoch; true when it did. */
  congested(signal: CongestionSignal): boolean {
    const s = this.state.read();
    if (signal.epochAtSend !== s.epoch || signal.now < s.settledUntil) return false;
    // Far above the knee, the probe found the limit had moved: the cycle's estimate mixes the old
    // limit with the new, while the rate before the probe's last doubling went without a 429.
    const moved = signal.rateAtSend > MOVED_OVER_KNEE * s.knee;
    const lastGood = s.slowStart || moved ? SLOW_START_BACKOFF * signal.rateAtSend : signal.rateAtSend;
    const window = signal.wholeWindow === true ? signal.estimate : undefined;
    const base = window ?? (moved ? lastGood : Math.min(lastGood, signal.estimate ?? lastGood));
    const rate = this.clamp(Math.min(s.rate, DECREASE * base));
    const rough = window === undefined && (s.slowStart || moved || signal.estimate === undefined);
    return this.state.cut(signal.epochAtSend, {
      rate,
      // Without a measured limit there is no knee yet to come back to quickly.
      knee: rough ? rate : Math.max(rate, KNEE * base),
      at: signal.now,
      settledUntil: signal.now + SETTLE_MS,
      ...(signal.limit === undefined ? {} : { limit: signal.limit }),
    });
  }

  private paceUsed(now: number, rate: number): boolean {
    this.used.forget(now - USE_SPAN_MS);
    const spanMs = Math.min(USE_SPAN_MS, now - (this.firstUsedAt ?? now));
    return spanMs < USE_SPAN_MS / 4 || this.used.countAfter(now - spanMs) >= (MIN_USE * rate * spanMs) / 1000;
  }

  private slowStart(now: number, epoch: number, rate: number): void {
    if (this.roundEpoch !== epoch || this.roundStart === Number.NEGATIVE_INFINITY) {
      this.roundEpoch = epoch;
      this.roundStart = now;
      this.roundSends = 0;
    }
    this.roundSends += 1;
    const needed = Math.max(MIN_ROUND_SENDS, (rate * ROUND_MS) / 1000);
    if (this.roundSends < needed || now - this.roundStart < ROUND_MS) return;
    this.roundStart = now;
    this.roundSends = 0;
    this.state.grow(epoch, this.clamp(2 * rate), true);
  }

  private clamp(rate: number): number {
    return Math.min(this.options.maxRate, Math.max(this.options.minRate, rate));
  }
}
