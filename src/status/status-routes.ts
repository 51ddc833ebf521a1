import type { ReplicaSeen } from "../redis/replica-registry.ts";
import express, { type Response, type Router } from "express";
import { systemClock, type Clock } from "../clock.ts";
import type { GroupState } from "../sync/group-status.ts";
import type { Metrics } from "../metrics.ts";
import type { HookDeliveryReport } from "../okta/hook-receiver.ts";
import { createSecretScrubber } from "../secret-scrubber.ts";
import type { Store } from "../store/store.ts";
import type { RateController } from "../throttle/rate-controller.ts";
import { createActivityHistory, type ActivityHistoryOptions } from "./activity-history.ts";
import { STATUS_HTML } from "./assets/status-html.ts";
import { STATUS_SCRIPT } from "./assets/status-script.ts";
import { STATUS_STYLE } from "./assets/status-style.ts";
import { RecentDeliveries } from "./recent-deliveries.ts";
import { buildStatusSnapshot } from "./status-snapshot.ts";

/** Chart and sampling tuning; tests shrink the buckets to see several fill in seconds. */
export type StatusTuning = Pick<ActivityHistoryOptions, "bucketMs" | "buckets" | "sampleMs">;

export interface StatusRoutesOptions extends StatusTuning {
  clock?: Clock;
  metrics: Metrics;
  store: Pick<Store, "stats">;
  genesysController: Pick<RateController, "state">;
  oktaController: Pick<RateController, "state">;
  syncsInFlight: () => number;
  isShuttingDown: () => boolean;
  /** The reconciler's progress (done, total, phase, eta...), undefined when none runs. */
  reconcileProgress?: (() => unknown) | undefined;
  /** Several replicas: who is alive (status.json's `replicas`). */
  replicas?: (() => Promise<ReplicaSeen[]>) | undefined;
  /** The SYNC_GROUPS groups and what became of each. */
  groups?: (() => GroupState[]) | undefined;
  /** Blanked out of /status.json should a source ever carry one (e.g. in an error message). */
  secrets?: readonly string[];
}

export interface StatusRoutes {
  router: Router;
  /** Hand to the hook receiver's `onDelivery`. */
  recordDelivery(report: HookDeliveryReport): void;
  /** Stops sampling (shutdown). */
  close(): void;
}

/** Sync results that wrote to Genesys (unchanged and skipped cost no write). */
const WRITE_RESULTS = new Set(["created", "updated", "deleted"]);

/**
 * The operator's status page: GET / and /status serve a small dashboard that polls /status.json.
 * Helmet's default Content-Security-Policy forbids inline scripts, so the script and the stylesheet
 * are separate same-origin files; they are TypeScript string constants so `tsc` output and the
 * Docker image carry them without a copy step.
 */
export function createStatusRoutes(options: StatusRoutesOptions): StatusRoutes {
  const clock = options.clock ?? systemClock;
  const { metrics, genesysController } = options;
  const startedAt = clock.now();
  const deliveries = new RecentDeliveries({ clock });
  const activity = createActivityHistory({
    clock,
    ...(options.bucketMs === undefined ? {} : { bucketMs: options.bucketMs }),
    ...(options.buckets === undefined ? {} : { buckets: options.buckets }),
    ...(options.sampleMs === undefined ? {} : { sampleMs: options.sampleMs }),
    read: async () => {
      const syncs = await metrics.syncs.get();
      const requests = await metrics.upstreamRequests.get();
      return {
        writes: sum(syncs.values.filter((v) => WRITE_RESULTS.has(String(v.labels.result)))),
        requests: sum(requests.values.filter((v) => v.labels.upstream === "genesys")),
        throttled: genesysController.state().throttled,
      };
    },
  });

  const redact = createSecretScrubber(options.secrets ?? []);

  const router = express.Router();
  const page = (_req: unknown, res: Response) => {
    res.type("html").set("cache-control", "no-cache").send(STATUS_HTML);
  };
  router.get("/", page);
  router.get("/status", page);
  router.get("/status/app.js", (_req, res) => {
    res.type("text/javascript").set("cache-control", "no-cache").send(STATUS_SCRIPT);
  });
  router.get("/status/app.css", (_req, res) => {
    res.type("text/css").set("cache-control", "no-cache").send(STATUS_STYLE);
  });
  router.get("/status.json", async (_req, res, next) => {
    try {
      const snapshot = await buildStatusSnapshot({
        clock,
        startedAt,
        store: options.store,
        genesysController,
        oktaController: options.oktaController,
        syncsInFlight: options.syncsInFlight,
        isShuttingDown: options.isShuttingDown,
        activity,
        deliveries,
        reconcileProgress: options.reconcileProgress,
        replicas: options.replicas,
        groups: options.groups,
      });
      res
        .set("cache-control", "no-store")
        .type("json")
        .send(redact(JSON.stringify(snapshot)));
    } catch (error) {
      next(error);
    }
  });

  return {
    router,
    recordDelivery: (report) => deliveries.record(report),
    close: () => activity.close(),
  };
}

function sum(values: readonly { value: number }[]): number {
  return values.reduce((total, v) => total + v.value, 0);
}
