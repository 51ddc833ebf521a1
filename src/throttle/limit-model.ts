import type { QuotaReading } from "./quota-headers.ts";
import type { LearnedLimit, WindowShape } from "./quota-state.ts";
import type { QuotaPlan } from "./quota-plan.ts";
import { QuotaWindow } from "./quota-window.ts";
import { TimeLog } from "./time-log.ts";

/** Fewer accepted requests than this say too little about a limit to estimate it. */
const MIN_TO_ESTIMATE = 5;
/** Without a previous pause, the estimate is what was accepted over the last this long. */
const RECENT_MS = 1_000;
/** A retry time up to this long is a short limit (a token bucket, a per-second cap), not a window's reset. */
const PER_SECOND_RETRY_MS = 2_000;
/** Share of the learned burst spent after a pause, at up to twice the pace: the rest is margin. */
const CREDIT_SHARE = 0.8;
/** A fixed window's allowance after its reset goes this many times faster than the pace. */
const FIXED_WINDOW_CREDIT_SPEEDUP = 50;
/** How far back accepted requests are kept: longer than any cycle between two 429s worth measuring. */
const HISTORY_MS = 120_000;

/** What a 429 taught about the binding limit. */
export interface LimitEstimate {
  /** Requests per second the binding limit sustains, as measured over the last cycle. */
  rate: number | undefined;
  limit: LearnedLimit | undefined;
  /** The 429 came while the headers still showed budget: they understate the binding limit. */
  contradictsHeaders: boolean;
  /** The estimate spans a whole window (accepted ÷ window length): no slow-start doubt about it. */
  wholeWindow: boolean;
}

/**
 * The limits as the controller knows them: the rate-limit headers' window (quota-window.ts), an
 * upper bound and a forecast, and the tighter limit 429s reveal when the headers do not describe
 * it (Genesys has org-wide and per-endpoint limits its headers never mention).
 *
 * A limit's sustained rate is measured over a cycle: from the start of the last pause to the next
 * 429, what was accepted over how long. During a pause a token bucket refills and a fixed window
 * resets, so what is accepted after it is what the limit gave back over the whole cycle. Before
 * any pause, only the last second is a fair sample. What was accepted since the last resume, beyond
 * that rate, is the limit's burst (a bucket's depth, the part of a window spent early): after the
 * next pause that much is there again, and is spent ahead of the pace (`creditSpeedup`) so the pause
 * costs little. The shape follows from how long 429s ask to wait.
 */
export class LimitModel {
  readonly headers = new QuotaWindow();
  private readonly accepted = new TimeLog();
  private firstAcceptedAt: number | undefined;
  private segmentStart: number | undefined;
  private lastPauseAt: number | undefined;
  private learned: LearnedLimit | undefined;
  private contradicted = false;
  private credit = 0;

  accept(now: number): void {
    this.firstAcceptedAt ??= now;
    this.segmentStart ??= now;
    this.accepted.push(now);
  }

  observe(reading: QuotaReading, sentAt: number, receivedAt: number, latencyMs: number): void {
    this.headers.observe(reading, sentAt, receivedAt, latencyMs);
  }

  /** The headers' plan: how fast their budget may be spent now, and until when to hold. */
  plan(now: number, inFlightSentBefore: (time: number) => number, leadMs: number): QuotaPlan {
    return this.headers.plan(now, inFlightSentBefore, leadMs);
  }

  /**
   * A 429 that may start a congestion epoch. `retryMs` is the wait it asked for (undefined: none
   * usable); `reading` its rate-limit headers, if any.
   */
  throttled(now: number, retryMs: number | undefined, reading: QuotaReading | undefined): LimitEstimate {
    this.accepted.forget(now - HISTORY_MS);
    const budgetShown = reading !== undefined && reading.used <= reading.allowed;
    const windowReset = this.headers.resetInMs(now);
    const shortRetry = retryMs !== undefined && retryMs > 0 && retryMs <= PER_SECOND_RETRY_MS;
    const contradicts =
      this.headers.described() && (budgetShown || (shortRetry && (windowReset ?? 0) > PER_SECOND_RETRY_MS));
    this.contradicted ||= contradicts;
    const longRetry = retryMs !== undefined && retryMs > PER_SECOND_RETRY_MS;
    const rate = longRetry ? this.windowEstimate(now, retryMs) : this.estimate(now);
    if (rate !== undefined) {
      const since = this.segmentStart ?? now;
      const burst = Math.max(0, this.accepted.countAfter(since) - (rate * (now - since)) / 1000);
      this.learned = { rate, burst, shape: this.shapeFrom(retryMs) };
    }
    return {
      rate,
      limit: this.learned,
      contradictsHeaders: contradicts,
      wholeWindow: longRetry && rate !== undefined,
    };
  }

  /** A pause began (at the first 429 of an episode): the next cycle is measured from here. */
  paused(now: number): void {
    this.lastPauseAt = now;
    this.credit = 0;
  }

  /** The pause ended after `pausedMs`: the limit refilled by what it sustains over that time. */
  resumed(now: number, pausedMs: number): void {
    this.segmentStart = now;
    const l = this.learned;
    this.credit = l === undefined ? 0 : CREDIT_SHARE * Math.min(l.burst, (l.rate * pausedMs) / 1000);
  }

  /**
   * How many times faster than the pace the next request may go on post-pause credit; 1 when none
   * is left. A fixed window's allowance is all there at its reset, so it goes as fast as the
   * in-flight cap lets it; a bucket's refill at twice the pace, so its burst is not spent at once.
   */
  creditSpeedup(): number {
    if (this.credit < 1) return 1;
    return this.learned?.shape === "fixed-window" ? FIXED_WINDOW_CREDIT_SPEEDUP : 2;
  }

  takeCredit(): void {
    this.credit -= 1;
  }

  /** The headers are known to understate the binding limit: 429s, not they, set the pace. */
  headersUnderstate(): boolean {
    return this.contradicted;
  }

  learnedLimit(): LearnedLimit | undefined {
    return this.learned;
  }

  shape(): WindowShape {
    if (this.headers.described() && !this.contradicted) return this.headers.shape();
    return this.learned?.shape ?? "unknown";
  }

  private estimate(now: number): number | undefined {
    const from = this.lastPauseAt ?? Math.max(now - RECENT_MS, this.firstAcceptedAt ?? now);
    const ms = now - from;
    const count = this.accepted.countAfter(from);
    if (ms <= 0 || count < MIN_TO_ESTIMATE) return undefined;
    return (count * 1000) / ms;
  }

  /**
   * A long retry time is a window's reset: what was accepted since the last resume (or the start,
   * when the window opened) is that window's allowance, and the window lasts until the retry time.
   */
  private windowEstimate(now: number, retryMs: number): number | undefined {
    const from = this.segmentStart;
    if (from === undefined) return undefined;
    const count = this.accepted.countAfter(from - 1);
    if (count < MIN_TO_ESTIMATE) return undefined;
    return (count * 1000) / (now - from + retryMs);
  }

  private shapeFrom(retryMs: number | undefined): WindowShape {
    if (retryMs === undefined || retryMs <= 0) return this.learned?.shape ?? "unknown";
    return retryMs <= PER_SECOND_RETRY_MS ? "per-second" : "fixed-window";
  }
}
