import type { Express, Router } from "express";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { configSecrets } from "./config.ts";
import type { GenesysClient } from "./genesys/genesys-client.ts";
import { createBridgeApp } from "./http/bridge-app.ts";
import { readinessChecks } from "./http/readiness-checks.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { OktaClient } from "./okta/okta-client.ts";
import type { Reconciler } from "./reconcile/reconciler.ts";
import { openRedisBackend } from "./redis/redis-backend.ts";
import { createServerLifecycle } from "./server-lifecycle.ts";
import { shutdownSteps } from "./shutdown-steps.ts";
import { createWorkers, type WorkerOptions } from "./bridge-workers.ts";
import { createStatusRoutes, type StatusTuning } from "./status/status-routes.ts";
import { openSqliteStore } from "./store/sqlite-store.ts";
import type { Store } from "./store/store.ts";
import type { Dispatcher } from "./sync/dispatcher.ts";
import type { GroupDispatcher } from "./sync/group-dispatcher.ts";
import type { GroupStatus } from "./sync/group-status.ts";
import type { RateController } from "./throttle/rate-controller.ts";
import type { ControllerTuning } from "./upstream-stack.ts";
import { createUpstreams } from "./upstreams.ts";

export interface BridgeOptions extends WorkerOptions {
  log?: Logger;
  clock?: Clock;
  store?: Store;
  metrics?: Metrics;
  /** Overrides for the rate controllers (tests scale a "second" down, the benchmark tunes them). */
  genesysController?: ControllerTuning;
  oktaController?: ControllerTuning;
  /** Start syncing when listening (default true); tests fill the store first to observe coalescing. */
  startDispatcher?: boolean;
  /** Status page chart buckets (tests shrink them to see several fill in seconds). */
  statusPage?: StatusTuning;
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
  const localClock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const metrics = options.metrics ?? createMetrics();
  // REDIS_URL: several replicas share one store (and one reconcile at a time); otherwise SQLite.
  const redis =
    config.redis &&
    openRedisBackend({
      ...config.redis,
      log,
      clock: localClock,
      requestTimeoutMs: config.limits.httpTimeoutMs,
    });
  // Replicas compare lease and pause times with one another's: all of them keep Redis's time.
  const clock = redis?.clock ?? localClock;
  const store =
    options.store ??
    redis?.store ??
    openSqliteStore({ dataDir: config.dataDir, clock: () => clock.now(), log });
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
