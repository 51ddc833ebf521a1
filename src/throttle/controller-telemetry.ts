import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Upstream } from "../upstream-response.ts";

export interface Gauges {
  rate: number;
  concurrency: number;
  /** Unix seconds, 0 when not paused. */
  pausedUntil: number;
  waiting: number;
}

/**
 * The controller's metrics and info lines: a line when the rate, the in-flight cap, a pause or the
 * learned quota changes meaningfully, never one per request; gauges set only when a value changes,
 * since they are refreshed on every dispatch and answer.
 */
export class ControllerTelemetry {
  private readonly published: Gauges = { rate: NaN, concurrency: NaN, pausedUntil: NaN, waiting: NaN };
  private logged = { rate: 0, concurrency: 0, quota: 0, at: Number.NEGATIVE_INFINITY };

  constructor(
    private readonly upstream: Upstream,
    private readonly log: Logger | undefined,
    private readonly metrics: Metrics | undefined,
  ) {}

  gauges(values: Gauges): void {
    if (this.metrics === undefined) return;
    for (const key of ["rate", "concurrency", "pausedUntil", "waiting"] as const) {
      if (values[key] === this.published[key]) continue;
      this.published[key] = values[key];
      this.metrics[key].set({ upstream: this.upstream }, values[key]);
    }
  }

  answered(status: number): void {
    this.metrics?.upstreamRequests.inc({ upstream: this.upstream, status: String(status) });
  }

  throttled(): void {
    this.metrics?.throttled.inc({ upstream: this.upstream });
  }

  /** Growth moves the rate a little with every success: a line for a real change, at most once a second. */
  pace(now: number, rate: number, concurrency: number): void {
    const { logged } = this;
    const rateMoved = Math.abs(rate - logged.rate) >= 0.2 * logged.rate;
    const capMoved = Math.abs(concurrency - logged.concurrency) >= Math.max(4, 0.5 * logged.concurrency);
    if ((!rateMoved && !capMoved) || now - logged.at < 1000) return;
    this.logged = { ...logged, rate, concurrency, at: now };
    this.log?.info(
      { upstream: this.upstream, rate: round(rate), concurrency },
      "rate controller pace changed",
    );
  }

  cut(from: number, to: number, knee: number): void {
    this.metrics?.rateCuts.inc({ upstream: this.upstream });
    this.logged = { ...this.logged, rate: to };
    this.log?.info(
      { upstream: this.upstream, from: round(from), to: round(to), knee: round(knee) },
      "rate cut after 429",
    );
  }

  paused(pauseMs: number, retryTimeKnown: boolean): void {
    this.log?.info(
      { upstream: this.upstream, pauseMs: Math.round(pauseMs), retryTimeKnown },
      "paused after 429",
    );
  }

  resumed(pausedForMs: number, rate: number): void {
    this.log?.info(
      { upstream: this.upstream, pausedForMs: Math.round(pausedForMs), rate: round(rate) },
      "resumed",
    );
  }

  quota(learned: number, allowed: number): void {
    if (Math.abs(learned - this.logged.quota) < 0.1 * this.logged.quota) return;
    this.logged = { ...this.logged, quota: learned };
    this.log?.info({ upstream: this.upstream, learnedQuota: round(learned), allowed }, "quota learned");
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
