import { rateLimitHeaders, retryAfterSeconds, type QuotaShape } from "../../sim/quota-shapes.ts";
import type { RateController } from "../../src/throttle/rate-controller.ts";
import type { UpstreamResponse } from "../../src/upstream-response.ts";
import type { ManualClock } from "./manual-clock.ts";

export interface QuotaRunOptions {
  clock: ManualClock;
  controller: RateController;
  shape: QuotaShape;
  /** How many requests wait from the start (a backlog). */
  requests: number;
  /** Send inin-ratelimit-* for the described window. Default true. */
  headers?: boolean;
  retryAfter?: "seconds" | "zero" | "missing";
  latencyMs?: number;
  /** Another consumer of the quota sending at `rate` per second from `from` to `to` ms after the start. */
  other?: { rate: number; from: number; to: number };
  /** Give up after this long (simulated). Default 10 minutes. */
  limitMs?: number;
}

export interface QuotaRunResult {
  makespanMs: number;
  /** Times (ms from the start) our requests were accepted. */
  accepted: number[];
  throttled: number;
  sent: number;
  /** Requests the controller gave up on (ThrottledError after too many 429s). */
  failed: number;
  done: boolean;
}

/**
 * A backlog of requests through the controller against a quota of any shape, on the manual clock:
 * seconds of a rate limit's life in milliseconds of test time, exactly repeatable.
 */
export async function runAgainstQuota(o: QuotaRunOptions): Promise<QuotaRunResult> {
  const { clock, shape } = o;
  const start = clock.now();
  const latencyMs = o.latencyMs ?? 40;
  const result: QuotaRunResult = {
    makespanMs: 0,
    accepted: [],
    throttled: 0,
    sent: 0,
    failed: 0,
    done: false,
  };
  const answer = (): UpstreamResponse => {
    const d = shape.take(clock.now());
    const headers = o.headers === false ? {} : rateLimitHeaders(d.described);
    if (d.allowed) return { status: 200, headers, body: "{}" };
    if ((o.retryAfter ?? "seconds") === "seconds") headers["retry-after"] = retryAfterSeconds(d.retryInMs);
    if (o.retryAfter === "zero") headers["retry-after"] = "0";
    return { status: 429, headers, body: "" };
  };
  const send = async (): Promise<UpstreamResponse> => {
    result.sent += 1;
    await clock.sleep(latencyMs / 2);
    const response = answer();
    await clock.sleep(latencyMs / 2);
    if (response.status === 429) result.throttled += 1;
    else result.accepted.push(clock.now() - start);
    return response;
  };
  let left = o.requests;
  const all = Array.from({ length: o.requests }, () =>
    o.controller.run("bulk", send).then(
      () => void (left -= 1),
      () => {
        left -= 1;
        result.failed += 1;
      },
    ),
  );
  const limitMs = o.limitMs ?? 600_000;
  const stepMs = 50;
  let otherCredit = 0;
  while (left > 0 && clock.now() - start < limitMs) {
    const t = clock.now() - start;
    if (o.other !== undefined && t >= o.other.from && t < o.other.to) {
      otherCredit += (o.other.rate * stepMs) / 1000;
      for (; otherCredit >= 1; otherCredit -= 1) shape.take(clock.now());
    }
    await clock.advance(stepMs);
  }
  result.done = left === 0;
  if (result.done) await Promise.all(all);
  else o.controller.close();
  result.makespanMs = Math.max(...result.accepted, 0);
  return result;
}

/** Ms from the start until the accepted rate over a second first reached `share` of `rate`. */
export function timeToReach(accepted: number[], rate: number, share = 0.9): number | undefined {
  for (let i = 0, j = 0; j < accepted.length; j++) {
    const t = accepted[j] ?? 0;
    while ((accepted[i] ?? 0) <= t - 1000) i += 1;
    if (j - i + 1 >= share * rate) return t;
  }
  return undefined;
}
