import express, { type Router } from "express";
import type { Clock } from "../clock.ts";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";

export interface MetricsRouteOptions {
  metrics: Metrics;
  store: Pick<Store, "stats">;
  clock: Clock;
}

/**
 * GET /metrics for Prometheus. The queue gauges are read from the store at scrape time rather than
 * kept up to date on every change: a scrape every few seconds is far cheaper than a count per event.
 */
export function createMetricsRoute(options: MetricsRouteOptions): Router {
  const { metrics, store, clock } = options;
  const router = express.Router();
  router.get("/metrics", async (_req, res) => {
    const stats = await store.stats();
    metrics.pendingUsers.set(stats.pending);
    metrics.deadLetters.set(stats.deadLetters);
    metrics.oldestPendingAge.set(stats.oldestEnqueuedAt ? (clock.now() - stats.oldestEnqueuedAt) / 1000 : 0);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
