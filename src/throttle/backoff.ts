/**
 * "Full jitter" backoff, U(0, min(cap, base·2^attempt)): of the usual schedules it spreads
 * contending retries best (AWS Architecture Blog, "Exponential Backoff And Jitter"); decorrelated
 * jitter collapses onto the cap once it gets there. `attempt` counts from 0.
 */
export function fullJitterBackoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return random() * ceiling;
}
