import express, { type Express, type Router } from "express";
import helmet from "helmet";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { createHookReceiver } from "../okta/hook-receiver.ts";
import { createReconcileRoutes } from "../reconcile/reconcile-routes.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import type { StatusRoutes } from "../status/status-routes.ts";
import type { Store } from "../store/store.ts";
import type { Dispatcher } from "../sync/dispatcher.ts";
import { createAdminRoutes } from "./admin-routes.ts";
import { errorHandler, notFound } from "./errors-middleware.ts";
import { createHealthRoutes, type ReadinessCheck } from "./health.ts";
import { createMetricsRoute } from "./metrics-route.ts";
import { requestLog } from "./request-log.ts";

export interface BridgeAppOptions {
  config: Readonly<Config>;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  store: Store;
  dispatcher: Pick<Dispatcher, "notify" | "inFlight">;
  reconciler: Reconciler;
  status: StatusRoutes;
  readiness: readonly ReadinessCheck[];
  isShuttingDown: () => boolean;
}

export interface BridgeApp {
  app: Express;
  /** The /admin router, behind ADMIN_TOKEN: admin features mount their routes here. */
  admin: Router;
}

/**
 * The bridge's HTTP surface: the Okta hook, /healthz and /readyz, /metrics, the admin API and the
 * status page. Helmet and the request log come first so that every route, the hook included, has them.
 */
export function createBridgeApp(options: BridgeAppOptions): BridgeApp {
  const { config, log, clock, metrics, store, dispatcher, status } = options;
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
      syncedGroups: new Set(config.groups.map((g) => g.okta)),
    }),
  );
  app.use(createHealthRoutes(options.readiness, options.isShuttingDown));
  const admin = createAdminRoutes({
    token: config.adminToken,
    store,
    clock,
    onRequeued: () => dispatcher.notify(),
    inFlight: () => dispatcher.inFlight(),
  });
  admin.use(createReconcileRoutes(options.reconciler, { log: log.child({ component: "reconcile" }) }));
  app.use(admin);
  app.use(createMetricsRoute({ metrics, store, clock }));
  app.use(status.router);
  app.use(notFound);
  app.use(errorHandler);
  return { app, admin };
}
