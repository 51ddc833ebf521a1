import type { Clock } from "./clock.ts";
import { createUpstreamHttp, type UpstreamHttp } from "./http/upstream-http.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import {
  createRateController,
  type RateController,
  type RateControllerOptions,
} from "./throttle/rate-controller.ts";
import type { Upstream } from "./upstream-response.ts";

/** What tests and the benchmark may tune on a controller (a scaled "second", the starting rate...). */
export type ControllerTuning = Omit<RateControllerOptions, "upstream" | "clock" | "log" | "metrics">;

export interface UpstreamStackOptions {
  upstream: Upstream;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  timeoutMs: number;
  initialRate: number;
  maxConcurrency: number;
  tuning?: ControllerTuning | undefined;
}

export interface UpstreamStack {
  http: UpstreamHttp;
  controller: RateController;
}

/**
 * Everything between a client (Genesys, Okta) and the network: keep-alive HTTP with timeouts, the
 * adaptive rate controller, and their logs and metrics labelled with the upstream's name. Both
 * upstreams are built the same way; only their limits differ.
 */
export function createUpstreamStack(options: UpstreamStackOptions): UpstreamStack {
  const { upstream, clock, metrics } = options;
  const controller = createRateController({
    upstream,
    clock,
    log: options.log.child({ component: `${upstream}-rate` }),
    metrics,
    initialRate: options.initialRate,
    maxConcurrency: options.maxConcurrency,
    ...options.tuning,
  });
  const http = createUpstreamHttp({
    upstream,
    timeoutMs: options.timeoutMs,
    metrics,
    connections: options.maxConcurrency * 2,
  });
  return { http, controller };
}
