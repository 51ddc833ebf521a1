import { FixedWindow, SlidingWindow, type RequestWindow, type WindowDecision } from "./request-window.ts";

/**
 * Quotas of any shape, for the controller's tests (on a manual clock) and the benchmark (a real
 * HTTP gate in front of the Genesys simulator): a token bucket, fixed and sliding windows, a quota
 * that steps to another mid-run, and several limits at once where the headers describe only one.
 */
export interface QuotaDecision {
  allowed: boolean;
  /** Milliseconds until a refused request could pass (a token, a slot, the window's reset). */
  retryInMs: number;
  /** The limit the headers describe (inin-ratelimit-*), if they describe one. */
  described?: WindowDecision;
}

export interface QuotaShape {
  take(now: number): QuotaDecision;
}

/** `rate` tokens per second into a bucket of `burst`; each request takes one. */
export function tokenBucket(rate: number, burst: number): QuotaShape {
  let tokens = burst;
  let at: number | undefined;
  return {
    take(now) {
      tokens = Math.min(burst, tokens + ((now - (at ?? now)) * rate) / 1000);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return { allowed: true, retryInMs: 0 };
      }
      return { allowed: false, retryInMs: ((1 - tokens) * 1000) / rate };
    },
  };
}

/** A counting window (fixed or sliding) whose state the headers describe. */
export function window(kind: "fixed" | "sliding", limit: number, windowMs: number): QuotaShape {
  const w: RequestWindow =
    kind === "fixed" ? new FixedWindow(limit, windowMs) : new SlidingWindow(limit, windowMs);
  return {
    take(now) {
      const d = w.take(now);
      return { allowed: d.allowed, retryInMs: d.allowed ? 0 : d.resetInMs, described: d };
    },
  };
}

/**
 * Several limits at once, every one counting every request (as Genesys counts rejected requests
 * too): a request passes when all allow it, and the headers describe the first that describes.
 */
export function allOf(...shapes: QuotaShape[]): QuotaShape {
  return {
    take(now) {
      const decisions = shapes.map((s) => s.take(now));
      const refused = decisions.filter((d) => !d.allowed);
      const described = decisions.find((d) => d.described !== undefined)?.described;
      return {
        allowed: refused.length === 0,
        retryInMs: Math.max(0, ...refused.map((d) => d.retryInMs)),
        ...(described === undefined ? {} : { described }),
      };
    },
  };
}

/** `first` until `at` (epoch ms), then `then`: a raised (or lowered) limit mid-run. */
export function stepped(first: QuotaShape, at: number, then: QuotaShape): QuotaShape {
  return { take: (now) => (now < at ? first : then).take(now) };
}

/** The `inin-ratelimit-*` headers Genesys sends for a described window. */
export function rateLimitHeaders(d: WindowDecision | undefined): Record<string, string> {
  if (d === undefined) return {};
  return {
    "inin-ratelimit-allowed": String(d.limit),
    "inin-ratelimit-count": String(d.count),
    "inin-ratelimit-reset": String(Math.max(1, Math.ceil(d.resetInMs / 1000))),
  };
}

/** Retry-After in whole seconds, rounded up as servers do so that obeying it never comes back early. */
export function retryAfterSeconds(retryInMs: number): string {
  return String(Math.max(1, Math.ceil(retryInMs / 1000)));
}
