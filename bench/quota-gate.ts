import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { rateLimitHeaders, retryAfterSeconds, type QuotaShape } from "../sim/quota-shapes.ts";

/**
 * The benchmark's Genesys quota: a real HTTP server in front of the Genesys simulator (which runs
 * unlimited) that answers 429 as the scenario's quota shape decides, with Genesys' headers and
 * 429 body, and forwards everything else. It counts what each contender asked and got, and keeps
 * the time of every admitted API request, so rates and ramp-up times come from the upstream's side.
 */
export interface QuotaGateOptions {
  target: string;
  shape: QuotaShape;
  headers: boolean;
  retryAfter: "seconds" | "zero" | "missing";
}

export interface QuotaGateStats {
  /** API requests (the token endpoint not counted). */
  requests: number;
  /** performance.now() of each API request, admitted or not: the rate the contender asked for. */
  requested: number[];
  throttled: number;
  /** performance.now() of each admitted API request. */
  admitted: number[];
  /** performance.now() of each admitted write (POST, PUT, PATCH, DELETE). */
  writes: number[];
  external: { requests: number; throttled: number };
}

export interface QuotaGate {
  url: string;
  stats: QuotaGateStats;
  /** Another consumer of the same quota at `perSecond` (0 stops it). */
  setExternalLoad(perSecond: number): void;
  close(): Promise<void>;
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Headers of one hop, not of the request: fetch sets its own (and refuses some). */
const HOP_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "expect",
]);

export async function startQuotaGate(o: QuotaGateOptions): Promise<QuotaGate> {
  const stats: QuotaGateStats = {
    requests: 0,
    requested: [],
    throttled: 0,
    admitted: [],
    writes: [],
    external: { requests: 0, throttled: 0 },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? "GET";
    const api = !(req.url ?? "").startsWith("/oauth/");
    let headers: Record<string, string> = {};
    if (api) {
      stats.requests += 1;
      stats.requested.push(performance.now());
      const d = o.shape.take(Date.now());
      headers = o.headers ? rateLimitHeaders(d.described) : {};
      if (!d.allowed) {
        stats.throttled += 1;
        return throttle(res, headers, d.retryInMs, o.retryAfter);
      }
      stats.admitted.push(performance.now());
    }
    const forwarded = await fetch(`${o.target}${req.url ?? "/"}`, {
      method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] => typeof e[1] === "string" && !HOP_HEADERS.has(e[0]),
        ),
      ),
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await forwarded.arrayBuffer());
    if (api && WRITES.has(method) && forwarded.status < 300) stats.writes.push(performance.now());
    const out: Record<string, string> = { ...headers };
    forwarded.headers.forEach((value, name) => {
      if (name !== "content-length" && name !== "transfer-encoding" && name !== "connection")
        out[name] = value;
    });
    res.writeHead(forwarded.status, out).end(body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  let timer: NodeJS.Timeout | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setExternalLoad(perSecond) {
      clearInterval(timer);
      if (perSecond <= 0) return;
      let last = performance.now();
      let credit = 0;
      timer = setInterval(() => {
        const now = performance.now();
        credit += ((now - last) * perSecond) / 1000;
        last = now;
        for (; credit >= 1; credit -= 1) {
          stats.external.requests += 1;
          if (!o.shape.take(Date.now()).allowed) stats.external.throttled += 1;
        }
      }, 10);
    },
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Genesys' normalized 429 (and the older forms clients still meet). */
function throttle(
  res: ServerResponse,
  headers: Record<string, string>,
  retryInMs: number,
  mode: QuotaGateOptions["retryAfter"],
): void {
  const seconds = retryAfterSeconds(retryInMs);
  const legacy = mode === "missing";
  if (mode === "seconds") headers["retry-after"] = seconds;
  if (mode === "zero") headers["retry-after"] = "0";
  const body = JSON.stringify({
    message: legacy
      ? "Rate limit exceeded the maximum"
      : `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
    code: legacy ? "too.many.requests" : "too.many.requests.retry.after",
    status: 429,
    contextId: randomUUID(),
    details: [],
    errors: [],
  });
  res.writeHead(429, { ...headers, "content-type": "application/json" }).end(body);
}
