import type { QuotaReading } from "./quota-headers.ts";

/** What the quota headers allow from now on. */
export interface QuotaPlan {
  /** Requests per second that spread what is left of the window over its time left; Infinity = no limit. */
  rate: number;
  /** The window's budget is spent: send nothing before this epoch ms. 0 = not holding. */
  holdUntil: number;
}

interface Window {
  allowed: number;
  /** The highest count seen: counts only grow within a window, and answers arrive out of order. */
  used: number;
  /** The window ends no earlier than this and no later than `endHi` (epoch ms), as far as the readings tell. */
  endLo: number;
  endHi: number;
  /** Earliest answer that looked like one of the window's first requests: where the window began. */
  openedBy: number;
}

const UNCONSTRAINED: QuotaPlan = { rate: Infinity, holdUntil: 0 };
/** Never spread the budget over less than this, so the window's last moments cannot ask for a huge rate. */
const MIN_SPREAD_MS = 100;

/**
 * The quota window as the rate-limit headers describe it, and the pace that spends what is left of
 * it evenly until it resets: slow down before a 429, not after.
 *
 * Each answer bounds the window's end. With a reset in whole seconds, rounded up (the convention that
 * never sends a client back early), an answer processed somewhere between send and receipt says the
 * end lies in (sent + (R−1)s, received + R·s]. Intersecting those intervals over a window's answers
 * pins the end down to about one round trip, which matters when a minute is scaled down to five
 * seconds and one second of doubt is a fifth of the window.
 */
export class QuotaWindow {
  private current: Window | undefined;
  private windowMs: number | undefined;
  /** The longest reset any answer announced: an upper bound of the window length until `windowMs` is known. */
  private longestResetMs = 0;
  /** Counts that did not drop when the window moved on: a rolling (sliding) limit, not a fixed window. */
  private rolling = false;

  observe(reading: QuotaReading, sentAt: number, receivedAt: number): void {
    const [lo, hi] = endBounds(reading, sentAt, receivedAt);
    this.longestResetMs = Math.max(this.longestResetMs, hi - receivedAt);
    const opening = reading.used <= Math.max(2, Math.ceil(reading.allowed * 0.05));
    const w = this.current;
    if (w !== undefined && w.allowed === reading.allowed && hi >= w.endLo && lo <= w.endHi) {
      w.endLo = Math.max(w.endLo, lo);
      w.endHi = Math.min(w.endHi, hi);
      w.used = Math.max(w.used, reading.used);
      if (opening) w.openedBy = Math.min(w.openedBy, receivedAt);
      this.learnWindowLength(w);
      return;
    }
    if (w !== undefined && w.allowed === reading.allowed && hi < w.endLo) return; // a late answer from a window already gone
    if (w !== undefined) this.rolling = lo > w.endHi && reading.used > reading.allowed / 2;
    this.current = {
      allowed: reading.allowed,
      used: reading.used,
      endLo: lo,
      endHi: hi,
      openedBy: opening ? receivedAt : Infinity,
    };
    this.learnWindowLength(this.current);
  }

  /**
   * `inFlight` requests may not be counted yet and `reserve` covers the other consumers' requests
   * that land between our last reading and our next send.
   */
  plan(now: number, inFlight: number): QuotaPlan {
    const w = this.current;
    if (w === undefined || now >= w.endHi) return UNCONSTRAINED;
    const reserve = Math.max(1, Math.ceil(w.allowed * 0.01));
    const budget = w.allowed - w.used - inFlight - reserve;
    if (budget < 1) return { rate: Infinity, holdUntil: w.endHi };
    // A rolling limit frees slots as old requests age out, not all at once: only the hold applies.
    if (this.rolling) return UNCONSTRAINED;
    return { rate: (budget * 1000) / Math.max(MIN_SPREAD_MS, w.endHi - now), holdUntil: 0 };
  }

  /** Milliseconds until the window is expected to reset, when the headers tell; for 429s that do not say. */
  resetInMs(now: number): number | undefined {
    const w = this.current;
    return w !== undefined && w.endHi > now ? w.endHi - now : undefined;
  }

  /** Requests per second the quota allows over a whole window (allowed / window length), once seen. */
  learnedQuota(): number | undefined {
    const w = this.current;
    const windowMs = this.windowMs ?? this.longestResetMs;
    if (w === undefined || windowMs <= 0) return undefined;
    return (w.allowed * 1000) / windowMs;
  }

  /** True while fresh headers describe the window: then they, not 429s, set the pace. */
  active(now: number): boolean {
    return this.current !== undefined && now < this.current.endHi;
  }

  private learnWindowLength(w: Window): void {
    // The window began no later than its opening request was answered: a lower bound of its length,
    // and the longest such bound over many windows converges on the length itself.
    const length = w.endLo - w.openedBy;
    if (Number.isFinite(length) && length > 0 && (this.windowMs === undefined || length > this.windowMs)) {
      this.windowMs = length;
    }
  }
}

function endBounds(reading: QuotaReading, sentAt: number, receivedAt: number): [number, number] {
  const doubt = reading.resolutionMs;
  if (reading.reset.kind === "absolute") return [reading.reset.at - doubt, reading.reset.at];
  return [sentAt + reading.reset.ms - doubt, receivedAt + reading.reset.ms];
}
