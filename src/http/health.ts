import express, { type Router } from "express";

export interface ReadinessCheck {
  /** A short name for the JSON answer, e.g. "store". */
  name: string;
  /** Resolves to an error message when not ready, undefined when ready. */
  check(): Promise<string | undefined>;
}

/**
 * /healthz says the process is alive (ops restart it when not); /readyz says it can take work now
 * (the proxy stops routing to it when not): store writable, Genesys token obtainable, not shutting down.
 */
export function createHealthRoutes(checks: readonly ReadinessCheck[], isShuttingDown: () => boolean): Router {
  const router = express.Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    if (isShuttingDown()) {
      res.status(503).json({ status: "unavailable", reason: "shutting down" });
      return;
    }
    const failures: Record<string, string> = {};
    await Promise.all(
      checks.map(async (c) => {
        try {
          const problem = await c.check();
          if (problem) failures[c.name] = problem;
        } catch (error) {
          failures[c.name] = (error as Error).message;
        }
      }),
    );
    const names = Object.keys(failures);
    if (names.length > 0) {
      res.status(503).json({
        status: "unavailable",
        reason: names.map((n) => `${n}: ${failures[n]}`).join("; "),
        failures,
      });
      return;
    }
    res.json({ status: "ready" });
  });
  return router;
}
