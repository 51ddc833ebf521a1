import type { IncomingMessage, ServerResponse } from "node:http";

/** Counts what a simulator was asked and how it answered, so tests and the benchmark can assert on it. */
export class RequestStats {
  requests = 0;
  byMethod: Record<string, number> = {};
  byStatus: Record<string, number> = {};
  inFlight = 0;
  maxInFlight = 0;

  track(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const method = req.method ?? "GET";
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
    this.inFlight += 1;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    res.once("finish", () => {
      const status = String(res.statusCode);
      this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    });
    // "close" also fires for reset and hung requests whose socket goes away, so in-flight stays right.
    res.once("close", () => {
      this.inFlight -= 1;
    });
  }

  reset(): void {
    this.requests = 0;
    this.byMethod = {};
    this.byStatus = {};
    this.maxInFlight = this.inFlight;
  }
}
