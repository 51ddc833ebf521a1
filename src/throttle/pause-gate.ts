import type { UpstreamResponse } from "../upstream-response.ts";
import { FallbackWait } from "./fallback-wait.ts";
import type { QuotaState } from "./quota-state.ts";
import { retryDelayMs } from "./retry-after.ts";

/** What one 429 did to the pause. */
export interface PauseChange {
  /** The pause it asks for ends then (0: none, the 429 was old news). */
  until: number;
  /** No usable retry time: the length was a guess, and a single probe goes first after it. */
  guessed: boolean;
  /** It started a pause (rather than extending one or asking for none). */
  started: boolean;
  /** The wait the answer asked for (0: "now", undefined: nothing readable). */
  retryMs: number | undefined;
}

/**
 * The pause of the whole controller after a 429: every request waits, not just the throttled one
 * (per-request sleeps let the rest keep firing into a spent window, plugin-throttling's issue #629).
 *
 * The retry time comes from the answer (see retry-after.ts). When it says 0 or nothing, retrying at
 * once would be a tight 429 loop: the pause lasts until the window end the headers told, else a
 * learned wait that grows while 429s repeat (fallback-wait.ts), and one probe goes alone after it.
 * The pause itself lives in the shared QuotaState, so every controller on the quota holds.
 */
export class PauseGate {
  /** When the last pause ended: a 429 for a request sent before it is old news. */
  resumedAt = Number.NEGATIVE_INFINITY;
  probing = false;
  private readonly fallback: FallbackWait;

  constructor(
    private readonly state: QuotaState,
    random: () => number,
    private readonly secondMs = 1000,
  ) {
    this.fallback = new FallbackWait(secondMs, random);
  }

  get pausedUntil(): number {
    return this.state.read().pausedUntil;
  }

  get pausedAt(): number {
    return this.state.read().pausedAt;
  }

  /** A 429 to a request sent at `sentAt`; `windowResetInMs` is when the headers last said the window resets. */
  throttled(response: UpstreamResponse, sentAt: number, now: number, windowResetInMs?: number): PauseChange {
    // Sent before the current pause began, or before the last one ended: the 429 that started that
    // pause already told us what this one tells, and its retry time counts from when it was judged.
    const known = sentAt < this.resumedAt || (this.pausedUntil > 0 && sentAt < this.pausedAt);
    const retryMs = retryDelayMs(response, now, this.secondMs);
    const told = retryMs ?? 0;
    let until = 0;
    let guessed = false;
    if (told > 0) {
      until = (sentAt < this.resumedAt ? sentAt : now) + told;
    } else if (!known) {
      until = now + (windowResetInMs ?? this.fallback.next(now));
      guessed = true;
    }
    const started = this.state.pause(until, now);
    this.probing ||= guessed;
    return { until, guessed, started, retryMs };
  }

  /** Ends the pause once its time has come; true when it just did. */
  resumeIfDue(now: number): boolean {
    if (!this.state.resumeIfDue(now)) return false;
    this.resumedAt = now;
    return true;
  }

  /** A probe got an answer other than 429: the guessed pause was long enough. */
  probed(now: number): void {
    if (!this.probing) return;
    this.probing = false;
    this.fallback.recovered(now);
  }
}
