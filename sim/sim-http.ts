import { once } from "node:events";
import type { IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * The bits of plain node:http both simulators share. They skip express on purpose: the benchmark
 * pushes hundreds of requests a second through the Genesys simulator on two cores, and the
 * simulator must never be the bottleneck it is meant to measure.
 */

export type HeaderValues = Record<string, string | string[]>;

/** Listens on 127.0.0.1 and an ephemeral port (port 0) and returns the base URL, without a slash. */
export async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return `http://127.0.0.1:${address.port}`;
}

/** Stops the server and cuts every open connection, including requests a "hang" fault is holding. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, "close");
  server.close();
  server.closeAllConnections();
  await closed;
}

export const BODY_TOO_LARGE = Symbol("body too large");

/**
 * Reads the whole body, but keeps at most `maxBytes`. A larger body is drained rather than cut off so
 * the client still reads the 413 instead of a broken pipe.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<string | typeof BODY_TOO_LARGE> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  return size > maxBytes ? BODY_TOO_LARGE : Buffer.concat(chunks).toString("utf8");
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: HeaderValues = {},
  contentType = "application/json; charset=utf-8",
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text === "" ? {} : { "content-type": contentType, "content-length": Buffer.byteLength(text) }),
  });
  res.end(text);
}

/** Splits `/path?query` without building a URL object for every request. */
export function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  const raw = target ?? "/";
  const mark = raw.indexOf("?");
  return mark === -1
    ? { path: raw, query: new URLSearchParams() }
    : { path: raw.slice(0, mark), query: new URLSearchParams(raw.slice(mark + 1)) };
}

/** `latencyMs` as a fixed delay or a uniform random range, e.g. `{ min: 1, max: 5 }`. */
export type Latency = number | { min: number; max: number };

export function pickLatency(latency: Latency): number {
  if (typeof latency === "number") return latency;
  return latency.min + Math.random() * (latency.max - latency.min);
}

export function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
