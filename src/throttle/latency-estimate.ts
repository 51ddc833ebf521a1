/**
 * Round-trip times as TCP estimates them: a smoothed mean and mean deviation, so that one slow
 * answer does not move the in-flight cap, plus the fastest trip lately, which bounds how soon a
 * request can reach the upstream.
 */
export class LatencyEstimate {
  meanMs: number;
  deviationMs = 0;
  /** Drifts up slowly after its minimum, so one lucky answer does not stick. */
  fastestMs = Number.POSITIVE_INFINITY;

  constructor(initialMs: number) {
    this.meanMs = initialMs;
  }

  sample(ms: number): void {
    this.deviationMs += 0.1 * (Math.abs(ms - this.meanMs) - this.deviationMs);
    this.meanMs += 0.1 * (ms - this.meanMs);
    this.fastestMs = Math.min(
      ms,
      Number.isFinite(this.fastestMs) ? this.fastestMs + 0.01 * (ms - this.fastestMs) : ms,
    );
  }

  /** Mean plus two deviations: nearly every request comes back within it. */
  slowMs(): number {
    return this.meanMs + 2 * this.deviationMs;
  }

  /** How long a request surely takes to reach the upstream: half the fastest round trip. */
  leadMs(): number {
    return Number.isFinite(this.fastestMs) ? this.fastestMs / 2 : 0;
  }
}
