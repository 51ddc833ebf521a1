import express, { type Router } from "express";
import type { Logger } from "../log.ts";
import { ReconcileBusyError, type Reconciler } from "./reconciler.ts";

/**
 * `POST /admin/reconcile` (body `{dryRun?: boolean}`) starts a run in the background and answers 202
 * with its id, or 409 while one is running; `GET /admin/reconcile` is the progress. Mounted on the
 * admin router, behind its ADMIN_TOKEN check and JSON body parser.
 */
export function createReconcileRoutes(reconciler: Reconciler, options: { log: Logger }): Router {
  const router = express.Router();

  router.post("/admin/reconcile", async (req, res) => {
    const body: unknown = req.body ?? {};
    const dryRun =
      typeof body === "object" && body !== null ? (body as { dryRun?: unknown }).dryRun : undefined;
    if (dryRun !== undefined && typeof dryRun !== "boolean") {
      res.status(400).json({ error: "invalid_body", message: "dryRun must be true or false" });
      return;
    }
    try {
      const started = await reconciler.start({ dryRun: dryRun ?? false });
      started.report.catch((error: unknown) => {
        options.log.warn({ runId: started.runId, err: error }, "background reconcile ended without a report");
      });
      res
        .status(202)
        .location("/admin/reconcile")
        .json({
          runId: started.runId,
          dryRun: dryRun ?? false,
          resumed: started.resumed,
          progress: "/admin/reconcile",
        });
    } catch (error) {
      if (!(error instanceof ReconcileBusyError)) throw error;
      res
        .status(409)
        .json({ error: "reconcile_running", message: error.message, runId: error.runId ?? null });
    }
  });

  router.get("/admin/reconcile", (_req, res) => {
    res.json(reconciler.progress());
  });
  return router;
}
