export interface AimdRateOptions {
  initialRate: number;
  minRate: number;
  maxRate: number;
}

/** Multiplicative decrease: gentle, because a 429 also pauses everything until the window resets. */
const DECREASE = 0.9;
/** Slow start doubles the rate per second of demand, until the first congestion signal. */
const SLOW_START_DOUBLING_MS = 1000;
/** After a cut, regain 1% of the rate that met the 429 per second... */
const INCREASE_FRACTION = 0.01;
/** ...doubling every few seconds of demand without a 429, up to a quarter per second. */
const INCREASE_DOUBLING_MS = 5000;
const INCREASE_FRACTION_MAX = 0.25;
/** Growth credited per success at most, so a success after a quiet spell does not count the quiet. */
const MAX_GROWTH_STEP_MS = 250;

/**
 * The rate half of the controller: additive increase while requests succeed under demand,
 * multiplicative decrease once per congestion epoch. `epoch` goes up with every cut; the
 * controller tags each request with the epoch it was sent in, and a 429 from an older epoch is the
 * same congestion the cut already answered (TCP cuts once per round trip for the same reason).
 *
 * The increase is additive in the rate that met the last 429, but its step doubles every few
 * seconds without one: near the old limit it creeps (so a per-window quota is not re-hit every
 * window, the weakness of AWS's CUBIC limiter), and when another consumer of the quota stops, it
 * climbs back in seconds rather than minutes.
 */
export class AimdRate {
  rate: number;
  epoch = 0;
  cuts = 0;
  private slowStart = true;
  private limitRate: number;
  private demandMsSinceCut = 0;
  private lastGrowthAt: number | undefined;

  constructor(private readonly options: AimdRateOptions) {
    this.rate = clamp(options.initialRate, options.minRate, options.maxRate);
    this.limitRate = this.rate;
  }

  /** A request sent under demand, while this rate was what held it back, succeeded. */
  grow(now: number): void {
    const stepMs = Math.min(MAX_GROWTH_STEP_MS, now - (this.lastGrowthAt ?? now));
    this.lastGrowthAt = now;
    if (stepMs <= 0) return;
    if (this.slowStart) {
      this.rate *= 2 ** (stepMs / SLOW_START_DOUBLING_MS);
    } else {
      this.demandMsSinceCut += stepMs;
      const fraction = Math.min(
        INCREASE_FRACTION_MAX,
        INCREASE_FRACTION * 2 ** (this.demandMsSinceCut / INCREASE_DOUBLING_MS),
      );
      this.rate += (fraction * this.limitRate * stepMs) / 1000;
    }
    this.rate = Math.min(this.rate, this.options.maxRate);
  }

  /**
   * One congestion signal: cut from the rate the throttled request was sent at. `measured` is the
   * rate the upstream actually accepted over the last congestion cycle, when known: after slow start
   * overshot a per-window quota it is a far better landing point than any fixed fraction.
   */
  cut(rateAtSend: number, measured?: number): void {
    let target = DECREASE * rateAtSend;
    if (measured !== undefined && measured < target) target = measured;
    this.rate = clamp(Math.min(this.rate, target), this.options.minRate, this.options.maxRate);
    this.limitRate = Math.max(this.rate, Math.min(rateAtSend, measured ?? rateAtSend));
    this.slowStart = false;
    this.demandMsSinceCut = 0;
    this.epoch += 1;
    this.cuts += 1;
  }

  /** The headers told the quota: start near it instead of probing for it. */
  seed(rate: number): void {
    this.slowStart = false;
    this.limitRate = Math.max(this.limitRate, rate);
    this.rate = clamp(Math.max(this.rate, rate), this.options.minRate, this.options.maxRate);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
