/**
 * The rate-limit headers' window as every replica's answers together describe it: the highest
 * count any answer showed, and the window's end bounded by all of them (see quota-window.ts for
 * why an answer bounds the end). One process learns the same from its own answers; replicas on
 * one client id share it, so that none spends budget another's answers already show as spent.
 */
export interface HeaderWindow {
  allowed: number;
  used: number;
  /** The window ends in [endLo, endHi] (epoch ms). */
  endLo: number;
  endHi: number;
  /** When the latest answer folded in arrived. */
  at: number;
}

/**
 * What a send is admitted against: the budget the headers' plan computed, in terms every replica
 * can check at once. The send goes only if `allowed − used − reserve − (requests in flight, of
 * every replica, sent before cutoff) ≥ 1`, where `used` is the higher of the sender's and the shared
 * window's count when both describe the same window (same allowance, overlapping ends) or when the
 * shared count was read after the sender's (it is then behind on requests that landed meanwhile).
 */
export interface Admission {
  allowed: number;
  used: number;
  /** When the answer the sender's `used` comes from arrived; Infinity: compare windows only. */
  readAt: number;
  reserve: number;
  /** Sends after this land in the next window: they do not spend this one's budget. */
  cutoff: number;
  endLo: number;
  endHi: number;
}

/** The rules of the shared header budget, for the in-memory state and a shared state's mirror alike. */
export const budgetRules = {
  /** Of requests in flight (their send times), those sent before `time`: they spend its window. */
  sentBefore(sendTimes: Iterable<number>, time: number): number {
    let n = 0;
    for (const sentAt of sendTimes) if (sentAt < time) n += 1;
    return n;
  },

  /** Folds one answer's window into the shared one: the same window raises the count, a later one replaces it. */
  land(shared: HeaderWindow | undefined, answer: HeaderWindow): HeaderWindow | undefined {
    if (shared === undefined || answer.allowed !== shared.allowed || answer.endLo > shared.endHi) {
      return { ...answer };
    }
    if (answer.endHi < shared.endLo) return shared; // a late answer from the window before
    return {
      allowed: shared.allowed,
      used: Math.max(shared.used, answer.used),
      endLo: Math.max(shared.endLo, answer.endLo),
      endHi: Math.min(shared.endHi, answer.endHi),
      at: Math.max(shared.at, answer.at),
    };
  },

  admits(shared: HeaderWindow | undefined, inFlightSentBefore: number, a: Admission): boolean {
    const same =
      shared !== undefined &&
      shared.allowed === a.allowed &&
      ((shared.endHi >= a.endLo && shared.endLo <= a.endHi) || shared.at > a.readAt);
    const used = Math.max(a.used, same ? shared.used : 0);
    return a.allowed - used - a.reserve - inFlightSentBefore >= 1;
  },
};
