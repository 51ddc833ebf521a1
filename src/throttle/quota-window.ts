import type { HeaderWindow } from "./header-budget.ts";
import type { QuotaReading } from "./quota-headers.ts";
import type { QuotaPlan } from "./quota-plan.ts";
import { RollingWindow } from "./rolling-window.ts";

interface Window {
  allowed: number;
  /** The highest count seen: counts only grow within a window, and answers arrive out of order. */
  used: number;
  /** The window ends no earlier than this and no later than `endHi` (epoch ms), as far as the readings tell. */
  endLo: number;
  endHi: number;
  /** Earliest answer that looked like one of the window's first requests: where the window began. */
  openedBy: number;
  /** Earliest and latest sends that the upstream counted in this window. */
  firstSentIn: number;
  lastSentIn: number;
}

const UNCONSTRAINED: QuotaPlan = { rate: Infinity, holdUntil: 0 };
/** Share of every fixed window that bulk work may not spend: live requests never wait for the reset. */
const LIVE_SHARE = 0.05;
/** Never spread the budget over less than this, so the window's last moments cannot ask for a huge rate. */
const MIN_SPREAD_MS = 100;
/** Kept back from every window for other consumers' requests that land between two of our readings. */
const RESERVE_SHARE = 0.005;
/**
 * The headers' quota is spent evenly, not front-loaded: a burst limit the headers do not describe
 * (a per-second token bucket under a per-minute quota) refuses a front-loaded window with 429s and
 * the pace swings between spending and holding. Only budget left over by a lull in demand is made
 * up faster: it spreads over what is left of a fixed window.
 */
const FRONT_LOAD = 1;

/**
 * The quota window as the rate-limit headers describe it, and the pace its budget allows: slow
 * down (and stop) before a 429, not after. The count covers every consumer of the client id, so
 * what others take is left to them without knowing they exist.
 *
 * Each answer bounds the window's end. With a reset in whole seconds, rounded up (the convention that
 * never sends a client back early), an answer processed somewhere between send and receipt says the
 * end lies in (sent + (R−1)s, received + R·s]. Intersecting those intervals over a window's answers
 * pins the end down to about one round trip, which matters when a minute is scaled down to seconds.
 *
 * A fixed window's budget (allowed − counted − ours in flight − a small reserve) is spent at the
 * higher of the quota and what spreads it over the time left, then sends hold until the window
 * ends: a lull in demand is made up within the window.
 *
 * A request is counted when it reaches the upstream, some time after it is sent. Those sent in the
 * last moments of a window land in the next one, so they neither spend this window's budget nor
 * should wait for its end: `leadMs`, learned at each window change from the last send still counted
 * in the old window, is how long before the end sends start to count in the next window.
 *
 * A limit whose count stays high as its reset moves on is a rolling one: its budget comes from
 * rolling-window.ts, and so does the budget of any limit before a window has been seen to reset.
 */
export class QuotaWindow {
  private current: Window | undefined;
  private previous: Window | undefined;
  private windowMs: number | undefined;
  /** The longest reset any answer announced: an upper bound of the window length until `windowMs` is known. */
  private longestResetMs = 0;
  /** Counts that did not drop when the window moved on: a rolling (sliding) limit, not a fixed window. */
  private rolling = false;
  /** A count that did drop when the window moved on: the allowance comes back whole. */
  private fixedSeen = false;
  private readonly slidingLog = new RollingWindow();
  private leadMs = 0;

  /** `latencyMs` (the usual round trip) bounds how long a send can take to be counted. */
  observe(reading: QuotaReading, sentAt: number, receivedAt: number, latencyMs: number): void {
    const [lo, hi] = endBounds(reading, sentAt, receivedAt);
    this.longestResetMs = Math.max(this.longestResetMs, hi - receivedAt);
    this.slidingLog.countedAt(receivedAt);
    this.slidingLog.observe(reading.allowed, reading.used, receivedAt);
    const w = this.current;
    if (w !== undefined && w.allowed === reading.allowed && overlaps(w, lo, hi)) {
      w.endLo = Math.max(w.endLo, lo);
      w.endHi = Math.min(w.endHi, hi);
      this.count(w, reading, sentAt, receivedAt);
      if (sentAt === w.firstSentIn) this.learnLead(latencyMs);
      return;
    }
    const p = this.previous;
    if (w !== undefined && w.allowed === reading.allowed && hi < w.endLo) {
      // A late answer from the window before: it may move that window's last counted send.
      if (p !== undefined && overlaps(p, lo, hi)) {
        p.lastSentIn = Math.max(p.lastSentIn, sentAt);
        this.learnLead(latencyMs);
      }
      return;
    }
    const moved = w !== undefined && lo > w.endHi;
    if (moved && reading.used > reading.allowed / 2) this.rolling = true;
    if (moved && !this.rolling) this.fixedSeen = true;
    this.moveOn(moved, reading.allowed, 0, lo, hi);
    this.count(this.current!, reading, sentAt, receivedAt);
    this.learnLead(latencyMs);
  }

  private moveOn(moved: boolean, allowed: number, used: number, endLo: number, endHi: number): void {
    this.previous = moved && !this.rolling ? this.current : undefined;
    this.current = {
      allowed,
      used,
      endLo,
      endHi,
      openedBy: Infinity,
      firstSentIn: Infinity,
      lastSentIn: Number.NEGATIVE_INFINITY,
    };
  }

  /**
   * `inFlightSentBefore(t)` counts our requests in flight that were sent before `t`: they will land
   * in this window. The reserve covers the other consumers' requests that land between our last
   * reading and our next send. `leadMs` is how long a request surely takes to reach the upstream
   * (half the fastest round trip): a hold may end that much before a window or a slot frees.
   */
  plan(now: number, inFlightSentBefore: (time: number) => number, leadMs = 0): QuotaPlan {
    const w = this.current;
    const quota = this.learnedQuota();
    if (w === undefined || quota === undefined) return UNCONSTRAINED;
    // Until a window has been seen to reset whole, assume the limit may be a rolling one: its
    // budget is right for a fixed window too, only more patient at the window's end.
    if (this.rolling || !this.fixedSeen) {
      const rate = FRONT_LOAD * quota;
      return this.slidingLog.plan(now, inFlightSentBefore(Infinity), this.longestResetMs, rate, leadMs);
    }
    const cutoff = w.endHi - Math.max(this.leadMs, leadMs);
    const reserve = Math.max(1, Math.ceil(w.allowed * RESERVE_SHARE));
    // Past the end (or close enough that sends land after it): a new window, whole, unless
    // another replica's answers already show what is spent of it (an admission that matches
    // only a window after this one).
    if (now >= cutoff) {
      const next = {
        allowed: w.allowed,
        used: 0,
        readAt: Infinity,
        reserve,
        cutoff: Infinity,
        endLo: w.endHi + 1,
        endHi: Infinity,
      };
      return { ...UNCONSTRAINED, admission: next };
    }
    const budget = w.allowed - w.used - inFlightSentBefore(cutoff) - reserve;
    if (budget < 1) return { rate: Infinity, holdUntil: cutoff };
    const liveShare = Math.max(2, Math.ceil(w.allowed * LIVE_SHARE));
    const spread = (budget * 1000) / Math.max(MIN_SPREAD_MS, cutoff - now);
    return {
      rate: Math.max(spread, FRONT_LOAD * quota),
      holdUntil: 0,
      bulkHoldUntil: budget <= liveShare ? cutoff : 0,
      admission: {
        allowed: w.allowed,
        used: w.used,
        readAt: Infinity,
        reserve,
        cutoff,
        endLo: w.endLo,
        endHi: w.endHi,
      },
    };
  }

  /**
   * What other replicas' answers showed of the window (shared through the quota state): a higher
   * count and a narrower end of the current one, or a later window that began before this
   * replica's first answer from it, which then holds its sends as that answer would have. Only this
   * replica's own answers tell the window's shape and length (a count adopted mid-window would pass
   * for a rolling limit's).
   */
  share(shared: Readonly<HeaderWindow> | undefined): void {
    const w = this.current;
    if (shared === undefined || w === undefined || shared.allowed !== w.allowed) return;
    this.slidingLog.observeNewer(shared.allowed, shared.used, shared.at);
    if (shared.endLo > w.endHi) {
      // A count that fell back as the window moved on is a fixed window's, whoever's answer showed it.
      if (!this.rolling && shared.used <= shared.allowed / 2) this.fixedSeen = true;
      return this.moveOn(true, shared.allowed, shared.used, shared.endLo, shared.endHi);
    }
    if (!overlaps(w, shared.endLo, shared.endHi)) return;
    w.used = Math.max(w.used, shared.used);
    w.endLo = Math.max(w.endLo, shared.endLo);
    w.endHi = Math.min(w.endHi, shared.endHi);
  }

  /** Milliseconds until the window is expected to reset, when the headers tell; for 429s that do not say. */
  resetInMs(now: number): number | undefined {
    const w = this.current;
    return w !== undefined && w.endHi > now ? w.endHi - now : undefined;
  }

  /** Requests per second the quota allows over a whole window (allowed / window length), once seen. */
  learnedQuota(): number | undefined {
    const windowMs = this.windowMs ?? this.longestResetMs;
    if (this.current === undefined || windowMs <= 0) return undefined;
    return (this.current.allowed * 1000) / windowMs;
  }

  /** What the headers show of the window's shape so far. */
  shape(): "fixed-window" | "rolling" | "unknown" {
    return this.rolling ? "rolling" : this.fixedSeen ? "fixed-window" : "unknown";
  }

  /** The upstream sends rate-limit headers: they, not 429s, set the pace. */
  described(): boolean {
    return this.current !== undefined;
  }

  private count(w: Window, reading: QuotaReading, sentAt: number, receivedAt: number): void {
    w.used = Math.max(w.used, reading.used);
    w.lastSentIn = Math.max(w.lastSentIn, sentAt);
    w.firstSentIn = Math.min(w.firstSentIn, sentAt);
    if (reading.used <= Math.max(2, Math.ceil(reading.allowed * 0.05))) {
      w.openedBy = Math.min(w.openedBy, receivedAt);
    }
    // The window began no later than its opening request was answered: a lower bound of its length,
    // and the longest such bound over many windows converges on the length itself.
    const length = w.endLo - w.openedBy;
    if (Number.isFinite(length) && length > 0 && (this.windowMs === undefined || length > this.windowMs)) {
      this.windowMs = length;
    }
  }

  /**
   * The last send counted in a finished window tells how long before its end sends still made it,
   * but only when the next window's first sends followed right after: had we held back near the
   * end, the gap would pass for lead, and an overlong lead overruns the next window. Nor can it
   * exceed a round trip.
   */
  private learnLead(latencyMs: number): void {
    const p = this.previous;
    const w = this.current;
    if (p === undefined || w === undefined) return;
    const lead = p.endLo - p.lastSentIn;
    const gap = w.firstSentIn - p.lastSentIn;
    if (lead >= 0 && lead <= latencyMs && gap <= lead / 2) this.leadMs = lead;
  }
}

function overlaps(w: Window, lo: number, hi: number): boolean {
  return hi >= w.endLo && lo <= w.endHi;
}

/** Where the window an answer's reset announces ends, as far as the answer can tell: [lo, hi]. */
export function endBounds(reading: QuotaReading, sentAt: number, receivedAt: number): [number, number] {
  const doubt = reading.resolutionMs;
  if (reading.reset.kind === "absolute") return [reading.reset.at - doubt, reading.reset.at];
  return [sentAt + reading.reset.ms - doubt, receivedAt + reading.reset.ms];
}
