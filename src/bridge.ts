import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express, type Router } from "express";
import helmet from "helmet";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { configSecrets } from "./config.ts";
import { createGenesysClient, type GenesysClient } from "./genesys/genesys-client.ts";
import { createGenesysToken } from "./genesys/genesys-token.ts";
import { createAdminRoutes } from "./http/admin-routes.ts";
import { errorHandler, notFound } from "./http/errors-middleware.ts";
import { createHealthRoutes } from "./http/health.ts";
import { requestLog } from "./http/request-log.ts";
import { createUpstreamHttp } from "./http/upstream-http.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { createHookReceiver } from "./okta/hook-receiver.ts";
import { createOktaClient, type OktaClient } from "./okta/okta-client.ts";
import { openSqliteStore } from "./store/sqlite-store.ts";
import type { Store } from "./store/store.ts";
import { createReconcileRoutes } from "./reconcile/reconcile-routes.ts";
import { createReconciler, type Reconciler, type ReconcilerOptions } from "./reconcile/reconciler.ts";
import { createStatusRoutes, type StatusTuning } from "./status/status-routes.ts";
import { createDispatcher, type Dispatcher } from "./sync/dispatcher.ts";
import { syncUser } from "./sync/sync-user.ts";
import { createUserDirectory } from "./sync/user-directory.ts";
import {
  createRateController,
  type RateController,
  type RateControllerOptions,
} from "./throttle/rate-controller.ts";

type ControllerTuning = Omit<RateControllerOptions, "upstream" | "clock" | "log" | "metrics">;

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

/** Wires the bridge from its parts; every collaborator can be handed in, so tests use real ones. */
export function createBridge(options: BridgeOptions): Bridge {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const metrics = options.metrics ?? createMetrics();
  const store = options.store ?? openSqliteStore({ dataDir: config.dataDir });
  let shuttingDown = false;

  const genesysController = createRateController({
    upstream: "genesys",
    clock,
    log: log.child({ component: "genesys-rate" }),
    metrics,
    initialRate: config.limits.genesysInitialRate,
    maxConcurrency: config.limits.genesysMaxConcurrency,
    ...options.genesysController,
  });
  const oktaController = createRateController({
    upstream: "okta",
    clock,
    log: log.child({ component: "okta-rate" }),
    metrics,
    initialRate: 10,
    maxConcurrency: config.limits.oktaMaxConcurrency,
    ...options.oktaController,
  });
  const genesysHttp = createUpstreamHttp({
    upstream: "genesys",
    timeoutMs: config.limits.httpTimeoutMs,
    metrics,
    connections: config.limits.genesysMaxConcurrency * 2,
  });
  const oktaHttp = createUpstreamHttp({
    upstream: "okta",
    timeoutMs: config.limits.httpTimeoutMs,
    metrics,
    connections: config.limits.oktaMaxConcurrency * 2,
  });
  const token = createGenesysToken({ ...config.genesys, http: genesysHttp, clock });
  const genesys = createGenesysClient({
    apiUrl: config.genesys.apiUrl,
    http: genesysHttp,
    token,
    controller: genesysController,
  });
  const okta = createOktaClient({ ...config.okta, http: oktaHttp, controller: oktaController });
  const users = createUserDirectory(store);
  const reconciler = createReconciler({
    store,
    okta,
    genesys,
    users,
    log: log.child({ component: "reconcile" }),
    clock,
    genesysController,
    onEnqueued: () => dispatcher.notify(),
    ...options.reconcile,
  });
  const syncLog = log.child({ component: "sync" });
  const dispatcher = createDispatcher({
    store,
    log: syncLog,
    metrics,
    clock,
    concurrency: config.limits.syncConcurrency,
    ...(options.dispatcherPollMs === undefined ? {} : { pollMs: options.dispatcherPollMs }),
    sync: async (work) => {
      const result = await syncUser(work, { okta, genesys, users, log: syncLog });
      reconciler.recordSync(work, result);
      return result;
    },
  });

  const status = createStatusRoutes({
    clock,
    metrics,
    store,
    genesysController,
    oktaController,
    syncsInFlight: () => dispatcher.inFlight(),
    isShuttingDown: () => shuttingDown,
    reconcileProgress: () => reconciler.progress(),
    secrets: configSecrets(config),
    ...options.statusPage,
  });

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  app.use(helmet());
  app.use(requestLog(log.child({ component: "http" })));
  app.use(
    createHookReceiver({
      secret: config.hook.secret,
      header: config.hook.header,
      store,
      log: log.child({ component: "hook" }),
      metrics,
      onAccepted: () => dispatcher.notify(),
      onDelivery: status.recordDelivery,
    }),
  );
  app.use(
    createHealthRoutes(
      [
        {
          name: "store",
          check: async () => ((await store.writable()) ? undefined : "the store cannot be written"),
        },
        {
          name: "genesys",
          check: async () => {
            await token.get();
            return undefined;
          },
        },
      ],
      () => shuttingDown,
    ),
  );
  const admin = createAdminRoutes({
    token: config.adminToken,
    store,
    clock,
    onRequeued: () => dispatcher.notify(),
    inFlight: () => dispatcher.inFlight(),
  });
  admin.use(createReconcileRoutes(reconciler, { log: log.child({ component: "reconcile" }) }));
  app.use(admin);
  app.get("/metrics", async (_req, res) => {
    const stats = await store.stats();
    metrics.pendingUsers.set(stats.pending);
    metrics.deadLetters.set(stats.deadLetters);
    metrics.oldestPendingAge.set(stats.oldestEnqueuedAt ? (clock.now() - stats.oldestEnqueuedAt) / 1000 : 0);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(status.router);
  app.use(notFound);
  app.use(errorHandler);

  let server: Server | undefined;
  return {
    app,
    admin,
    reconciler,
    store,
    metrics,
    log,
    dispatcher,
    genesysController,
    oktaController,
    okta,
    genesys,
    async listen(port = config.port, host = config.host) {
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
      });
      // Okta waits at most 3 s per delivery; keep-alive sockets must outlive the proxy's idle timeout.
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      server.requestTimeout = 30_000;
      if (options.startDispatcher ?? true) dispatcher.start();
      const address = server.address() as AddressInfo;
      const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
      return { url: `http://${shownHost}:${address.port}`, port: address.port };
    },
    async stop() {
      if (shuttingDown) return;
      shuttingDown = true;
      log.info({ graceMs: config.limits.shutdownGraceMs }, "shutting down: no new work, draining");
      // The listener stays open while syncs drain: /readyz answers 503 so the proxy routes away, and
      // a delivery that still arrives is stored (cheap, durable) rather than refused.
      // A running reconcile stops at once; its checkpoint is saved page by page and the next run resumes.
      const reconcileStopped = reconciler.stop();
      await dispatcher.stop(config.limits.shutdownGraceMs);
      genesysController.close();
      oktaController.close();
      await reconcileStopped; // a listing request waiting for the quota is released by close()
      status.close();
      if (server) {
        const s = server;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        const forced = setTimeout(() => s.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(forced);
      }
      await Promise.all([genesysHttp.close(), oktaHttp.close()]);
      await store.close();
      log.info("stopped");
    },
    isShuttingDown: () => shuttingDown,
  };
}
