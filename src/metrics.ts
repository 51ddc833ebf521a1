import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Every metric the bridge exposes on GET /metrics, created once per bridge on its own registry so
 * that several bridges in one test process do not collide. Names follow Prometheus conventions:
 * `_total` counters, base units (seconds), labels with a small, fixed set of values. One long list
 * on purpose: an operator looking up a metric's name and labels finds them all here, in one place.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "bridge_" });
  const registers = [registry];
  return {
    registry,
    hookEvents: new Counter({
      name: "bridge_hook_events_total",
      help: "Okta events received at the hook, by how they were handled (queued, duplicate, ignored).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    hookDeliveries: new Counter({
      name: "bridge_hook_deliveries_total",
      help: "Okta event hook deliveries, by HTTP status answered.",
      labelNames: ["status"] as const,
      registers,
    }),
    upstreamRequests: new Counter({
      name: "bridge_upstream_requests_total",
      help: "Requests sent to Okta and Genesys, by upstream and HTTP status (0 = network error or timeout).",
      labelNames: ["upstream", "status"] as const,
      registers,
    }),
    upstreamDuration: new Histogram({
      name: "bridge_upstream_request_duration_seconds",
      help: "Latency of requests to Okta and Genesys.",
      labelNames: ["upstream"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    throttled: new Counter({
      name: "bridge_rate_limited_total",
      help: "429 Too Many Requests answers received, by upstream.",
      labelNames: ["upstream"] as const,
      registers,
    }),
    rateCuts: new Counter({
      name: "bridge_rate_cuts_total",
      help: "Multiplicative rate decreases (at most one per congestion epoch), by upstream.",
      labelNames: ["upstream"] as const,
      registers,
    }),
    rate: new Gauge({
      name: "bridge_rate_limit_requests_per_second",
      help: "The rate the controller currently allows, by upstream.",
      labelNames: ["upstream"] as const,
      registers,
    }),
    concurrency: new Gauge({
      name: "bridge_rate_limit_concurrency",
      help: "The in-flight cap the controller currently allows, by upstream.",
      labelNames: ["upstream"] as const,
      registers,
    }),
    pausedUntil: new Gauge({
      name: "bridge_rate_limit_paused_until_seconds",
      help: "Unix time until which the controller holds every request after a 429 (0 = not paused).",
      labelNames: ["upstream"] as const,
      registers,
    }),
    waiting: new Gauge({
      name: "bridge_rate_limit_waiting_requests",
      help: "Requests waiting for the controller's permission, by upstream.",
      labelNames: ["upstream"] as const,
      registers,
    }),
    pendingUsers: new Gauge({
      name: "bridge_pending_users",
      help: "Users with a change stored and not yet written to Genesys.",
      registers,
    }),
    oldestPendingAge: new Gauge({
      name: "bridge_oldest_pending_age_seconds",
      help: "Age of the oldest pending user change.",
      registers,
    }),
    syncs: new Counter({
      name: "bridge_user_syncs_total",
      help: "User syncs finished, by result (created, updated, deactivated, deleted, unchanged, skipped, retry, dead_letter).",
      labelNames: ["result"] as const,
      registers,
    }),
    groupSyncs: new Counter({
      name: "bridge_group_syncs_total",
      help: "Group membership syncs (SYNC_GROUPS), by result (synced, waiting, missing, skipped, failed).",
      labelNames: ["result"] as const,
      registers,
    }),
    groupsMissing: new Gauge({
      name: "bridge_groups_missing",
      help: "Groups listed in SYNC_GROUPS that have no Genesys group of their name (create them in Genesys).",
      registers,
    }),
    deadLetters: new Gauge({
      name: "bridge_dead_letters",
      help: "Users parked after a permanent failure, waiting for a human or a newer event.",
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
