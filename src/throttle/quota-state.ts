import { budgetRules, type Admission, type HeaderWindow } from "./header-budget.ts";

/**
 * How an upstream limit refuses once it is reached, as far as the controller can tell:
 * - "fixed-window": a count per window that comes back whole at the window's end (Genesys, Okta);
 * - "rolling": a sliding log or window, a slot frees as the request that took it ages out;
 * - "per-second": a short limit, typically a token bucket, whose 429s ask for a second or so;
 * - "unknown": nothing seen yet.
 */
export type WindowShape = "fixed-window" | "rolling" | "per-second" | "unknown";

/** A limit learned from 429s (not from headers): the binding one when the headers understate it. */
export interface LearnedLimit {
  /** Requests per second it sustains. */
  rate: number;
  /** Requests it lets through above `rate` after a quiet spell (a bucket's depth, a window's allowance). */
  burst: number;
  shape: WindowShape;
}

/** Everything the quota's pace depends on, as one consistent view. */
export interface QuotaSnapshot {
  /** Requests per second to pace at (the headers' plan may hold sends back further). */
  rate: number;
  /** Just under where the binding limit is believed to be: growth above it is a probe. */
  knee: number;
  /** No congestion seen and no quota told yet: the rate doubles per round of evidence. */
  slowStart: boolean;
  /**
   * Congestion epoch: goes up with every cut. A request carries the epoch it was sent in; a 429
   * to a request from an older epoch is congestion a cut already answered (TCP cuts once per
   * round trip for the same reason), and growth computed in an older epoch is dropped.
   */
  epoch: number;
  cuts: number;
  /** Epoch ms of the last cut (or of the seed); growth above the knee speeds up with time since. */
  cutAt: number;
  /** A 429 within this epoch ms is the last overshoot ageing out, not a new signal. */
  settledUntil: number;
  /** Epoch ms until which every request is held after a 429; 0 = not paused. */
  pausedUntil: number;
  /** When the current (or last) pause began. */
  pausedAt: number;
  /** The binding limit learned from 429s, once one has been. */
  limit: LearnedLimit | undefined;
}

/** A cut: one congestion signal, applied only if the epoch it was decided in is still current. */
export interface Cut {
  rate: number;
  knee: number;
  at: number;
  settledUntil: number;
  limit?: LearnedLimit;
}

/**
 * The state an upstream quota's controllers share. One process holds it in memory
 * (createMemoryQuotaState); several replicas on one client id share it (issue #10: a Redis
 * implementation), so that they pace as one client instead of each taking the whole quota.
 *
 * Every method is a small atomic step with a precondition, so it maps onto one Lua script each:
 * - `grow(epoch, …)` and `cut(epoch, …)` are compare-and-set on the epoch: a cut made by any
 *   replica wins over growth computed before it, and of several replicas' 429s from one burst
 *   only the first cuts (the others see the epoch moved on);
 * - `pause(until)` only ever extends the pause, so replicas that meet 429s together agree on it;
 * - `takeSlot` is GCRA's theoretical arrival time: it hands out send times one interval apart
 *   across every replica, which is what makes N replicas send at the rate and not N times it.
 * Times are epoch milliseconds. Replicas sharing a state must agree on them: the bridge gives each
 * one Redis's time (redis-clock.ts), so replicas with drifting clocks agree.
 *
 * The interface is synchronous because the dispatch loop decides in the same tick as a send. A
 * remote implementation keeps a local mirror that `read()` returns and that each script's reply
 * refreshes (plus a subscription or a short poll for other replicas' cuts and pauses); `takeSlot`
 * can claim a few slots per round trip. A mirror that is a round trip stale only costs a few
 * requests at the old pace: the next reply corrects it, and 429s still pause everyone.
 */
export interface QuotaState {
  read(): Readonly<QuotaSnapshot>;
  /** Sets the pace after growth, unless a cut happened since `epoch`. Returns whether it applied. */
  grow(epoch: number, rate: number, slowStart: boolean): boolean;
  /** Applies a cut and opens the next epoch, unless the epoch moved on since `epochAtSend`. */
  cut(epochAtSend: number, cut: Cut): boolean;
  /** Starts a new pace from what headers or configuration told (ends slow start, new epoch). */
  seed(rate: number, knee: number, at: number): void;
  /** Extends the shared pause to `until`; true when it started one (none was running). */
  pause(until: number, now: number): boolean;
  /** Ends the pause once due; true for the caller that ended it. */
  resumeIfDue(now: number): boolean;
  /**
   * Reserves the next send time at `intervalMs` after the previous one (GCRA): returns the slot,
   * which may be in the future (then the caller waits and asks again). `toleranceMs` lets a late
   * caller catch up that much of a lagging schedule instead of losing the time.
   */
  takeSlot(now: number, intervalMs: number, toleranceMs: number): number;
  /** Restarts the schedule at a point within the next interval (after a pause: no burst). */
  restartSlots(at: number): void;
  /**
   * A request leaves, counted in flight (for every replica) until `landed`. With an `admission`
   * (the headers describe the window) it leaves only if the window's budget, less every replica's
   * requests in flight, still has room: true or false, or (a shared state) a promise of the answer,
   * decided atomically among all replicas so that together they send no more into a window than
   * one process would.
   */
  send(id: string, sentAt: number, admission: Admission | undefined): boolean | Promise<boolean>;
  /** The request's answer came (or it failed): no longer in flight; `window` is what its headers told. */
  landed(id: string, window: HeaderWindow | undefined): void;
  /** Requests of other replicas in flight that were sent before `time` (0 for one process). */
  othersInFlightSentBefore(time: number): number;
  /** The headers' window as all replicas' answers show it, once one has. */
  headerWindow(): Readonly<HeaderWindow> | undefined;
}

export interface MemoryQuotaStateOptions {
  initialRate: number;
  /** False when the rate was told (GENESYS_RATE_LIMIT): no slow start above it. */
  slowStart?: boolean;
}

/**
 * The rules every QuotaState applies to its snapshot, as functions on it: the in-memory state is
 * them alone, and a shared state's local mirror takes each step by them at once.
 */
export const quotaRules = {
  grow(s: QuotaSnapshot, epoch: number, rate: number, slowStart: boolean): boolean {
    if (epoch !== s.epoch) return false;
    s.rate = rate;
    s.slowStart = slowStart;
    return true;
  },
  cut(s: QuotaSnapshot, epochAtSend: number, cut: Cut): boolean {
    if (epochAtSend !== s.epoch || cut.at < s.settledUntil) return false;
    s.rate = cut.rate;
    s.knee = cut.knee;
    s.cutAt = cut.at;
    s.settledUntil = cut.settledUntil;
    if (cut.limit !== undefined) s.limit = cut.limit;
    s.slowStart = false;
    s.epoch += 1;
    s.cuts += 1;
    return true;
  },
  seed(s: QuotaSnapshot, rate: number, knee: number, at: number): void {
    s.rate = rate;
    s.knee = knee;
    s.cutAt = at;
    s.slowStart = false;
    s.epoch += 1;
  },
  pause(s: QuotaSnapshot, until: number, now: number): boolean {
    if (until <= now || until <= s.pausedUntil) return false;
    const started = s.pausedUntil === 0;
    if (started) s.pausedAt = now;
    s.pausedUntil = until;
    return started;
  },
  resumeIfDue(s: QuotaSnapshot, now: number): boolean {
    if (s.pausedUntil === 0 || now < s.pausedUntil) return false;
    s.pausedUntil = 0;
    return true;
  },
};

/** The snapshot every QuotaState starts from. */
export function initialQuotaSnapshot(options: MemoryQuotaStateOptions): QuotaSnapshot {
  return {
    rate: options.initialRate,
    knee: options.initialRate,
    slowStart: options.slowStart ?? true,
    epoch: 0,
    cuts: 0,
    cutAt: Number.NEGATIVE_INFINITY,
    settledUntil: Number.NEGATIVE_INFINITY,
    pausedUntil: 0,
    pausedAt: 0,
    limit: undefined,
  };
}

/** The single-process QuotaState. */
export function createMemoryQuotaState(options: MemoryQuotaStateOptions): QuotaState {
  const s = initialQuotaSnapshot(options);
  let nextSlot = Number.NEGATIVE_INFINITY;
  let window: HeaderWindow | undefined;
  const flight = new Map<string, number>();
  return {
    read: () => s,
    grow: (epoch, rate, slowStart) => quotaRules.grow(s, epoch, rate, slowStart),
    cut: (epochAtSend, cut) => quotaRules.cut(s, epochAtSend, cut),
    seed: (rate, knee, at) => quotaRules.seed(s, rate, knee, at),
    pause: (until, now) => quotaRules.pause(s, until, now),
    resumeIfDue: (now) => quotaRules.resumeIfDue(s, now),
    takeSlot(now, intervalMs, toleranceMs) {
      const due = nextSlot;
      if (due > now) return due;
      nextSlot = Math.max(due, now - toleranceMs) + intervalMs;
      return now;
    },
    restartSlots(at) {
      nextSlot = at;
    },
    send(id, sentAt, admission) {
      if (
        admission !== undefined &&
        !budgetRules.admits(window, budgetRules.sentBefore(flight.values(), admission.cutoff), admission)
      ) {
        return false;
      }
      flight.set(id, sentAt);
      return true;
    },
    landed(id, answer) {
      flight.delete(id);
      if (answer !== undefined) window = budgetRules.land(window, answer);
    },
    othersInFlightSentBefore: () => 0,
    headerWindow: () => window,
  };
}
