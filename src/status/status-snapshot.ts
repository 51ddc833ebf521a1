import type { ReplicaSeen } from "../redis/replica-registry.ts";
import type { GroupState } from "../sync/group-status.ts";
import type { Clock } from "../clock.ts";
import { isSecretName } from "../secret-scrubber.ts";
import type { Store } from "../store/store.ts";
import type { RateController, RateControllerState } from "../throttle/rate-controller.ts";
import type { ActivityBucket, ActivityHistory, ActivityTotals } from "./activity-history.ts";
import type { RecentDeliveries, RecentDelivery } from "./recent-deliveries.ts";

/**
 * GET /status.json: what the status page shows, and nothing else. Counts, rates and user-free
 * summaries only: no payloads, no config, no tokens. Times are epoch ms; `now` is the bridge's, so
 * the page computes ages against it and a skewed browser clock does not matter.
 */
export interface StatusSnapshot {
  now: number;
  startedAt: number;
  health: { state: HealthState; summary: string };
  upstreams: { genesys: UpstreamStatus; okta: UpstreamStatus };
  queue: {
    pending: number;
    /** Users being synced right now. */
    inFlight: number;
    oldestPendingAgeSeconds: number | null;
    deadLetters: number;
  };
  activity: {
    bucketSeconds: number;
    /** Oldest first; the last one is still filling. */
    buckets: ActivityBucket[];
    /** Since the bridge started. */
    totals: ActivityTotals;
  };
  /**
   * The reconciler's progress as flat fields (primitive fields, and `group.field` for a nested group
   * of counters), or null when the bridge has no reconciler or it reported nothing usable.
   */
  reconcile: Record<string, string | number | boolean | null> | null;
  /** Newest first. */
  deliveries: RecentDelivery[];
  /** With REDIS_URL: the replicas alive now, oldest first; null for a single process. */
  replicas: ReplicaSeen[] | null;
  /** The SYNC_GROUPS groups and what became of each (a group missing in Genesys needs a human). */
  groups: GroupState[];
}

export type HealthState = "idle" | "syncing" | "throttled" | "attention" | "stopping";

export interface UpstreamStatus {
  /** Requests per second allowed now. */
  rate: number;
  /** Requests per second the quota allows, once learned from the rate-limit headers. */
  learnedQuota: number | null;
  concurrency: number;
  inFlight: number;
  waiting: number;
  /** Seconds left of a pause after a 429; 0 when not paused. */
  pausedForSeconds: number;
  throttled: number;
  cuts: number;
}

export interface StatusSources {
  clock: Clock;
  startedAt: number;
  store: Pick<Store, "stats">;
  genesysController: Pick<RateController, "state">;
  oktaController: Pick<RateController, "state">;
  syncsInFlight: () => number;
  isShuttingDown: () => boolean;
  activity: ActivityHistory;
  deliveries: RecentDeliveries;
  reconcileProgress?: (() => unknown) | undefined;
  replicas?: (() => Promise<ReplicaSeen[]>) | undefined;
  groups?: (() => GroupState[]) | undefined;
}

export async function buildStatusSnapshot(sources: StatusSources): Promise<StatusSnapshot> {
  await sources.activity.sample();
  const stats = await sources.store.stats();
  const now = sources.clock.now();
  const genesys = upstreamStatus(sources.genesysController.state(), now);
  const okta = upstreamStatus(sources.oktaController.state(), now);
  const queue = {
    pending: stats.pending,
    inFlight: sources.syncsInFlight(),
    oldestPendingAgeSeconds:
      stats.oldestEnqueuedAt === undefined ? null : round(Math.max(0, now - stats.oldestEnqueuedAt) / 1000),
    deadLetters: stats.deadLetters,
  };
  return {
    now,
    startedAt: sources.startedAt,
    health: health(sources.isShuttingDown(), genesys, okta, queue),
    upstreams: { genesys, okta },
    queue,
    activity: {
      bucketSeconds: sources.activity.bucketMs / 1000,
      buckets: sources.activity.buckets(),
      totals: sources.activity.totals(),
    },
    reconcile: flatProgress(sources.reconcileProgress),
    deliveries: sources.deliveries.list(),
    // Redis unreachable: the page still answers, without the list.
    replicas: sources.replicas === undefined ? null : await sources.replicas().catch(() => null),
    groups: sources.groups?.() ?? [],
  };
}

function upstreamStatus(state: RateControllerState, now: number): UpstreamStatus {
  return {
    rate: round(state.rate),
    learnedQuota: state.learnedQuota === undefined ? null : round(state.learnedQuota),
    concurrency: state.concurrency,
    inFlight: state.inFlight,
    waiting: state.waiting,
    pausedForSeconds: state.pausedUntil > now ? round((state.pausedUntil - now) / 1000) : 0,
    throttled: state.throttled,
    cuts: state.cuts,
  };
}

function health(
  stopping: boolean,
  genesys: UpstreamStatus,
  okta: UpstreamStatus,
  queue: StatusSnapshot["queue"],
): StatusSnapshot["health"] {
  if (stopping) return { state: "stopping", summary: "Shutting down: finishing the syncs in flight" };
  const paused = [genesys.pausedForSeconds > 0 && "Genesys", okta.pausedForSeconds > 0 && "Okta"].filter(
    (name): name is string => typeof name === "string",
  );
  if (paused.length > 0) return { state: "throttled", summary: `${paused.join(" and ")} paused after a 429` };
  if (queue.deadLetters > 0) {
    const users = queue.deadLetters === 1 ? "1 user needs" : `${queue.deadLetters} users need`;
    return { state: "attention", summary: `${users} attention (dead letters)` };
  }
  if (queue.pending > 0 || queue.inFlight > 0)
    return { state: "syncing", summary: "Syncing users to Genesys" };
  return { state: "idle", summary: "All caught up" };
}

const MAX_FIELDS = 40;
const MAX_TEXT = 200;
type Primitive = string | number | boolean | null;

/**
 * The reconciler's progress, shown generically: its primitive fields (done, total, phase, eta...
 * whatever it has), and a nested group of counters (numbers only) as `group.field`. Anything else
 * nested (a user, a sample, a report) and secret-looking names are left out: the page is
 * unauthenticated, whatever the reconciler comes to report.
 */
function flatProgress(source: (() => unknown) | undefined): StatusSnapshot["reconcile"] {
  let progress: unknown;
  try {
    progress = source?.();
  } catch {
    return null; // a status page must not fail because one of its sources did
  }
  if (!isPlainObject(progress)) return null;
  const out: Record<string, Primitive> = {};
  const groups: [string, Record<string, Primitive>][] = [];
  for (const [key, value] of Object.entries(progress)) {
    if (isSecretName(key)) continue;
    const shown = primitive(value);
    if (shown !== undefined) out[key] = shown;
    else if (isPlainObject(value)) {
      const fields: Record<string, Primitive> = {};
      let flat = true;
      for (const [k, v] of Object.entries(value)) {
        if (typeof v === "number" || typeof v === "boolean") fields[k] = primitive(v) ?? null;
        else flat = false;
      }
      if (flat) groups.push([key, fields]);
    }
  }
  // Top-level fields first, so a large group never pushes done/total out.
  for (const [group, fields] of groups) {
    for (const [key, value] of Object.entries(fields)) {
      if (!isSecretName(key)) out[`${group}.${key}`] = value;
    }
  }
  return Object.fromEntries(Object.entries(out).slice(0, MAX_FIELDS));
}

function primitive(value: unknown): Primitive | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") return value.slice(0, MAX_TEXT);
  if (typeof value === "boolean" || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
