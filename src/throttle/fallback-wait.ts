/**
 * How long to pause after a 429 that gave no usable retry time (`Retry-After: 0`, none at all, an
 * old-style body) and no headers to tell when the window resets. Retrying at once would turn a
 * spent quota into a tight 429 loop, so:
 * - within one episode (429s with no success between) each further wait doubles, up to `capMs`;
 * - an episode that ended at the first probe means the wait was long enough, so the next one starts
 *   a quarter shorter; one that took several probes starts the next near what it took in the end.
 * Every wait is jittered ±20% so replicas that share a quota do not probe in step.
 */
export class FallbackWait {
  private learnedMs: number;
  private episodeStart: number | undefined;
  private misses = 0;

  constructor(
    private readonly secondMs: number,
    private readonly random: () => number,
    private readonly capMs = 60 * secondMs,
  ) {
    this.learnedMs = secondMs;
  }

  next(now: number): number {
    if (this.episodeStart === undefined) {
      this.episodeStart = now;
      this.misses = 0;
    } else {
      this.misses += 1;
    }
    const base = Math.min(this.capMs, this.learnedMs * 2 ** this.misses);
    return base * (0.8 + 0.4 * this.random());
  }

  /** A request sent after a fallback pause succeeded: the episode is over. */
  recovered(now: number): void {
    if (this.episodeStart === undefined) return;
    const tookMs = now - this.episodeStart;
    const minMs = this.secondMs / 10;
    this.learnedMs =
      this.misses === 0 ? Math.max(minMs, this.learnedMs * 0.75) : clamp(tookMs * 0.75, minMs, this.capMs);
    this.episodeStart = undefined;
    this.misses = 0;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
