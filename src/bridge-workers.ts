import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import { exclusiveReconciler } from "./reconcile/exclusive-reconciler.ts";
import { createReconciler, type Reconciler, type ReconcilerOptions } from "./reconcile/reconciler.ts";
import type { RedisBackend } from "./redis/redis-backend.ts";
import type { Store } from "./store/store.ts";
import { createDispatcher, type Dispatcher } from "./sync/dispatcher.ts";
import { createGroupWorker, type GroupTuning, type GroupWorker } from "./sync/group-worker.ts";
import { createManagerResolver } from "./sync/manager-resolver.ts";
import { syncUser } from "./sync/sync-user.ts";
import { createUserDirectory } from "./sync/user-directory.ts";
import type { Upstreams } from "./upstreams.ts";

/** What the workers take from the bridge's options. */
export interface WorkerOptions {
  config: Readonly<Config>;
  dispatcherPollMs?: number;
  /** Reconcile tuning (tests use small Okta pages to see a run stop and resume mid-listing). */
  reconcile?: Pick<ReconcilerOptions, "oktaPageSize" | "pollMs">;
  /** Group dispatcher tuning (tests shorten the settle time a membership burst is given). */
  groups?: GroupTuning;
}

export interface Parts {
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  store: Store;
  upstreams: Upstreams;
  redis: RedisBackend | undefined;
}

/**
 * The dispatcher, which syncs users as their changes come, the group worker (SYNC_GROUPS), and the
 * reconciler, which queues changes in bulk.
 */
export function createWorkers(
  options: WorkerOptions,
  parts: Parts,
): { dispatcher: Dispatcher; reconciler: Reconciler; groups: GroupWorker } {
  const { config } = options;
  const { clock, log, metrics, store, redis } = parts;
  const { okta, genesys, genesysController } = parts.upstreams;
  // Another replica may write a user meanwhile: a cached body hash could then skip a needed write.
  const users = createUserDirectory(store, redis === undefined ? {} : { max: 0 });
  const managers = createManagerResolver(genesys, users);
  const syncLog = log.child({ component: "sync" });
  const dispatcher = createDispatcher({
    store,
    log: syncLog,
    metrics,
    clock,
    concurrency: config.limits.syncConcurrency,
    leaseMs: config.limits.leaseMs,
    ...(options.dispatcherPollMs === undefined ? {} : { pollMs: options.dispatcherPollMs }),
    sync: (work) => syncUser(work, { okta, genesys, users, log: syncLog, mapping: config.mapping, managers }),
  });
  const groups = createGroupWorker({
    ...parts,
    config,
    okta,
    genesys,
    users,
    onUsersQueued: () => dispatcher.notify(),
    tuning: options.groups,
  });
  const localReconciler = createReconciler({
    store,
    okta,
    genesys,
    users,
    log: log.child({ component: "reconcile" }),
    clock,
    genesysController,
    mapping: config.mapping,
    dispatcher,
    groups: config.groups,
    onGroupsQueued: () => groups.dispatcher.notify(),
    ...options.reconcile,
  });
  const reconciler = redis ? exclusiveReconciler(localReconciler, redis.reconcileLock) : localReconciler;
  return { dispatcher, reconciler, groups };
}
