import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../log.ts";

declare module "express-serve-static-core" {
  interface Request {
    id: string;
    log: Logger;
  }
}

/**
 * A request id (the proxy's x-request-id when it sends one) and a child logger per request, and one
 * line per finished request. The address is `req.ip`, which honours TRUST_PROXY, so behind a reverse
 * proxy the logged client is the forwarded one. Headers are not logged: they carry the hook secret.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get("x-request-id");
    req.id = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    req.log = log.child({ reqId: req.id });
    res.setHeader("x-request-id", req.id);
    const started = performance.now();
    res.on("finish", () => {
      const level = res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "debug";
      req.log[level](
        {
          method: req.method,
          path: req.originalUrl.split("?")[0],
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          ip: req.ip,
        },
        "request",
      );
    });
    next();
  };
}
