import type { Express, Router } from "express";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { configSecrets } from "./config.ts";
import type { GenesysClient } from "./genesys/genesys-client.ts";
import { createBridgeApp } from "./http/bridge-app.ts";
import { readinessChecks } from "./http/readiness-checks.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { OktaClient } from "./okta/okta-client.ts";
import { exclusiveReconciler } from "./reconcile/exclusive-reconciler.ts";
import { createReconciler, type Reconciler, type ReconcilerOptions } from "./reconcile/reconciler.ts";
import { openRedisBackend, type RedisBackend } from "./redis/redis-backend.ts";
import { createServerLifecycle, type ShutdownSteps } from "./server-lifecycle.ts";
import { createStatusRoutes, type StatusRoutes, type StatusTuning } from "./status/status-routes.ts";
import { openSqliteStore } from "./store/sqlite-store.ts";
import type { Store } from "./store/store.ts";
import { createDispatcher, type Dispatcher } from "./sync/dispatcher.ts";
import type { GroupDispatcher } from "./sync/group-dispatcher.ts";
import type { GroupStatus } from "./sync/group-status.ts";
import { createGroupWorker, type GroupTuning, type GroupWorker } from "./sync/group-worker.ts";
import { createManagerResolver } from "./sync/manager-resolver.ts";
import { syncUser } from "./sync/sync-user.ts";
import { createUserDirectory } from "./sync/user-directory.ts";
import type { RateController } from "./throttle/rate-controller.ts";
import type { ControllerTuning } from "./upstream-stack.ts";
import { createUpstreams, type Upstreams } from "./upstreams.ts";

export interface BridgeOptions {
  config: Readonly<Config>;
  log?: Logger;
  clock?: Clock;
  store?: Store;
  metrics?: Metrics;
  /** Overrides for the rate controllers (tests scale a "second" down, the benchmark tunes them). */
  genesysController?: ControllerTuning;
  oktaController?: ControllerTuning;
  dispatcherPollMs?: number;
  /** Start syncing when listening (default true); tests fill the store first to observe coalescing. */
  startDispatcher?: boolean;
  /** Reconcile tuning (tests use small Okta pages to see a run stop and resume mid-listing). */
  reconcile?: Pick<ReconcilerOptions, "oktaPageSize" | "pollMs">;
  /** Status page chart buckets (tests shrink them to see several fill in seconds). */
  statusPage?: StatusTuning;
  /** Group dispatcher tuning (tests shorten the settle time a membership burst is given). */
  groups?: GroupTuning;
}

export interface Bridge {
  app: Express;
  /** The /admin router, behind ADMIN_TOKEN: admin features mount their routes here. */
  admin: Router;
  /** Full Okta-to-Genesys reconcile (npm run reconcile, POST /admin/reconcile). */
  reconciler: Reconciler;
  store: Store;
  metrics: Metrics;
  log: Logger;
  dispatcher: Dispatcher;
  /** Syncs the membership of SYNC_GROUPS groups. */
  groupDispatcher: GroupDispatcher;
  groupStatus: GroupStatus;
  genesysController: RateController;
  oktaController: RateController;
  okta: OktaClient;
  genesys: GenesysClient;
  /** Starts the HTTP server and the dispatcher. */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** SIGTERM path: not ready at once, no new work, in-flight syncs get the grace period, then exit. */
  stop(): Promise<void>;
  isShuttingDown(): boolean;
}

/**
 * Wires the bridge from its parts, in the order the data flows: upstreams, store, dispatcher (which
 * syncs users), reconciler, then the HTTP app in front and the server lifecycle around it. Every
 * collaborator can be handed in, so tests use real ones. Longer than most on purpose: it is the one
 * place that shows the whole wiring, in order.
 */
export function createBridge(options: BridgeOptions): Bridge {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const metrics = options.metrics ?? createMetrics();
  // REDIS_URL: several replicas share one store (and one reconcile at a time); otherwise SQLite.
  const redis = config.redis && openRedisBackend({ ...config.redis, log, clock });
  const store =
    options.store ?? redis?.store ?? openSqliteStore({ dataDir: config.dataDir, clock: () => clock.now() });
  const upstreams = createUpstreams({
    config,
    clock,
    log,
    metrics,
    genesysController: options.genesysController,
    oktaController: options.oktaController,
    sharedQuota: redis && ((upstream, initial) => redis.quotaState(upstream, initial)),
  });
  const { okta, genesys, genesysController, oktaController } = upstreams;
  const workers = createWorkers(options, { clock, log, metrics, store, upstreams, redis });
  const { dispatcher, reconciler, groups } = workers;

  const lifecycle = createServerLifecycle({ log, graceMs: config.limits.shutdownGraceMs });
  const status = createStatusRoutes({
    clock,
    metrics,
    store,
    genesysController,
    oktaController,
    syncsInFlight: () => dispatcher.inFlight(),
    isShuttingDown: lifecycle.isShuttingDown,
    reconcileProgress: () => reconciler.progress(),
    replicas: redis && (() => redis.replicas.alive()),
    groups: () => groups.status.list(),
    secrets: configSecrets(config),
    ...options.statusPage,
  });
  const { app, admin } = createBridgeApp({
    config,
    log,
    clock,
    metrics,
    store,
    // A stored delivery may hold user changes and group changes: wake both.
    dispatcher: {
      notify: () => {
        dispatcher.notify();
        groups.dispatcher.notify();
      },
      inFlight: () => dispatcher.inFlight(),
    },
    reconciler,
    status,
    readiness: readinessChecks(store, upstreams.genesysToken),
    isShuttingDown: lifecycle.isShuttingDown,
  });

  return {
    app,
    admin,
    reconciler,
    store,
    metrics,
    log,
    dispatcher,
    groupDispatcher: groups.dispatcher,
    groupStatus: groups.status,
    genesysController,
    oktaController,
    okta,
    genesys,
    async listen(port = config.port, host = config.host) {
      // Not fatal: the hook answers 503 and syncs wait until Redis answers, then resume by themselves.
      if (redis && !(await redis.ready(5_000))) log.warn("starting while Redis is unreachable");
      const listening = await lifecycle.listen(app, port, host);
      if (options.startDispatcher ?? true) {
        dispatcher.start();
        groups.dispatcher.start();
      }
      return listening;
    },
    stop: () =>
      lifecycle.stop(
        shutdownSteps({
          reconciler,
          dispatcher,
          groupDispatcher: groups.dispatcher,
          upstreams,
          status,
          store,
          redis,
          graceMs: config.limits.shutdownGraceMs,
        }),
      ),
    isShuttingDown: lifecycle.isShuttingDown,
  };
}

interface Parts {
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
function createWorkers(
  options: BridgeOptions,
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

/**
 * SIGTERM: a running reconcile stops at once (its checkpoint is saved page by page and the next run
 * resumes); syncs in flight get the grace period; then nothing waits for quota any more, and once
 * the listener is closed the connections and the store go.
 */
function shutdownSteps(parts: {
  reconciler: Reconciler;
  dispatcher: Dispatcher;
  groupDispatcher: GroupDispatcher;
  upstreams: Upstreams;
  status: StatusRoutes;
  store: Store;
  redis: RedisBackend | undefined;
  graceMs: number;
}): ShutdownSteps {
  const { reconciler, dispatcher, upstreams, status, store } = parts;
  return {
    drain: async () => {
      const reconcileStopped = reconciler.stop();
      await Promise.all([dispatcher.stop(parts.graceMs), parts.groupDispatcher.stop()]);
      upstreams.closeControllers();
      await reconcileStopped; // a listing request waiting for the quota is released by closeControllers()
      status.close();
    },
    release: async () => {
      await upstreams.closeConnections();
      parts.redis?.close();
      await store.close();
    },
  };
}
