import type { Clock } from "../src/clock.ts";

/**
 * Genesys time for a scenario: a minute of Genesys' quota compressed into a few real seconds. The
 * simulator's windows, `Retry-After` and `inin-ratelimit-reset` all run on this clock, so their
 * whole-second rounding keeps the same share of a window as in the real 60 s one (1/60), and every
 * client reads their seconds with `secondMs = 1000 / timeScale` (the rate controller's own option for
 * this; plugin-throttling's `retryAfterBaseValue` does the same). `timeScale` 1 is real time.
 */
export interface ScaledClock extends Pick<Clock, "now"> {
  readonly timeScale: number;
  /** Real milliseconds in one Genesys second. */
  readonly secondMs: number;
}

export function scaledClock(timeScale: number, origin = Date.now()): ScaledClock {
  const realOrigin = performance.now();
  return {
    timeScale,
    secondMs: 1000 / timeScale,
    now: () => origin + (performance.now() - realOrigin) * timeScale,
  };
}
