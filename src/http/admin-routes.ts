import express, { type RequestHandler, type Router } from "express";
import type { Clock } from "../clock.ts";
import { createSecretCheck } from "../okta/hook-auth.ts";
import type { Store } from "../store/store.ts";

export interface AdminRoutesOptions {
  /** ADMIN_TOKEN; without it the admin API does not exist (every route answers 404). */
  token: string | undefined;
  store: Store;
  clock: Clock;
  /** Wakes the dispatcher after dead letters are put back in the queue. */
  onRequeued: () => void;
  inFlight: () => number;
}

/** Bearer authentication against ADMIN_TOKEN, compared in constant time. */
export function adminAuth(token: string): RequestHandler {
  const check = createSecretCheck(token);
  return (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    if (!check(presented)) {
      res.setHeader("www-authenticate", 'Bearer realm="okta-genesys-bridge admin"');
      res.status(401).json({ error: "unauthorized", message: "missing or wrong bearer token (ADMIN_TOKEN)" });
      return;
    }
    next();
  };
}

/**
 * The operator's API under /admin: dead letters (list, retry one, retry all) and the pending queue.
 * The returned router is also where other admin features (reconcile) mount, behind the same auth.
 */
export function createAdminRoutes(options: AdminRoutesOptions): Router {
  const router = express.Router();
  if (!options.token) {
    router.use("/admin", (_req, res) => {
      res
        .status(404)
        .json({ error: "admin_disabled", message: "the admin API is off: set ADMIN_TOKEN to enable it" });
    });
    return router;
  }
  router.use("/admin", adminAuth(options.token), express.json({ limit: "64kb" }));

  router.get("/admin/queue", async (_req, res) => {
    const stats = await options.store.stats();
    res.json({
      pending: stats.pending,
      inFlight: options.inFlight(),
      oldestPendingAgeSeconds:
        stats.oldestEnqueuedAt === undefined ? null : (options.clock.now() - stats.oldestEnqueuedAt) / 1000,
      deadLetters: stats.deadLetters,
    });
  });

  router.get("/admin/dead-letters", async (req, res) => {
    const limit = Math.min(Math.max(Number(req.query["limit"] ?? 100) || 100, 1), 1000);
    const letters = await options.store.listDeadLetters(limit);
    res.json({
      deadLetters: letters.map((d) => ({ ...d, at: new Date(d.at).toISOString() })),
      total: (await options.store.stats()).deadLetters,
    });
  });

  router.post("/admin/dead-letters/retry", async (_req, res) => {
    const retried = await options.store.retryDeadLetters(undefined, options.clock.now());
    options.onRequeued();
    res.json({ retried });
  });

  router.post("/admin/dead-letters/:oktaUserId/retry", async (req, res) => {
    const retried = await options.store.retryDeadLetters(req.params.oktaUserId, options.clock.now());
    if (retried === 0) {
      res
        .status(404)
        .json({ error: "not_found", message: `no dead letter for Okta user ${req.params.oktaUserId}` });
      return;
    }
    options.onRequeued();
    res.json({ retried });
  });
  return router;
}
