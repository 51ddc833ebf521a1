import { Agent, request } from "undici";
import type { Metrics } from "../metrics.ts";
import type { Upstream, UpstreamResponse } from "../upstream-response.ts";

export interface UpstreamHttpOptions {
  upstream: Upstream;
  timeoutMs: number;
  metrics?: Metrics;
  /** Keep-alive connections per origin: enough for the controller's largest in-flight cap. */
  connections?: number;
}

export interface UpstreamRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface UpstreamHttp {
  send(req: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** Largest upstream body we read: SCIM and Okta pages are small; anything bigger is an upstream fault. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Outbound HTTP for one upstream: undici with keep-alive, a timeout on every call (connect, headers
 * and body each bounded, plus an overall abort), and the body read in full. Network errors throw;
 * every HTTP status is returned as a value for the rate controller to judge.
 */
export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const agent = new Agent({
    connections: options.connections ?? 32,
    keepAliveTimeout: 30_000,
    connectTimeout: Math.min(options.timeoutMs, 10_000),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  return {
    async send(req) {
      const started = performance.now();
      try {
        const res = await request(req.url, {
          method: req.method,
          headers: req.headers ?? {},
          body: req.body ?? null,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs * 2),
        });
        const status = res.statusCode;
        const body = await readBody(res.body);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined)
            headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
        }
        return { status, headers, body };
      } finally {
        options.metrics?.upstreamDuration.observe(
          { upstream: options.upstream },
          (performance.now() - started) / 1000,
        );
      }
    },
    close: () => agent.close(),
  };
}

async function readBody(body: AsyncIterable<Buffer | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`upstream body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}
