import { randomUUID } from "node:crypto";
import { FixedWindow, SlidingWindow, type RequestWindow, type WindowDecision } from "./request-window.ts";

/**
 * Genesys Cloud's per-OAuth-client API quota (`client.credentials.token.rate.per.minute`, 300 by
 * default) and the shapes of its answers. The 429 body and Retry-After follow the "Normalized Platform
 * API 429 responses" announcement (2021); `retryAfter` also reproduces the older and odder answers
 * clients still meet: an HTTP-date, `Retry-After: 0`, no header at all, or the number only in the text.
 */
export interface GenesysRateLimitOptions {
  limit: number;
  windowMs: number;
  kind: "fixed-window" | "sliding-window";
  /** Send `inin-ratelimit-allowed/-count/-reset` on every API answer. */
  headers: boolean;
  retryAfter: "seconds" | "http-date" | "zero" | "missing" | "message-only";
}

export const genesysDefaultRateLimit: GenesysRateLimitOptions = {
  limit: 300,
  windowMs: 60_000,
  kind: "fixed-window",
  headers: true,
  retryAfter: "seconds",
};

export interface GenesysThrottleAnswer {
  headers: Record<string, string>;
  body: {
    message: string;
    code: string;
    status: 429;
    contextId: string;
    details: [];
    errors: [];
  };
}

/** One window per OAuth client id: every token of a client, and every other job using it, shares it. */
export class GenesysRateLimiter {
  readonly #windows = new Map<string, RequestWindow>();

  constructor(
    readonly options: GenesysRateLimitOptions,
    readonly now: () => number,
  ) {}

  take(clientId: string): WindowDecision {
    return this.#window(clientId).take(this.now());
  }

  headers(decision: WindowDecision): Record<string, string> {
    if (!this.options.headers) return {};
    return {
      "inin-ratelimit-allowed": String(decision.limit),
      "inin-ratelimit-count": String(decision.count),
      "inin-ratelimit-reset": String(wholeSeconds(decision.resetInMs)),
    };
  }

  throttled(decision: WindowDecision): GenesysThrottleAnswer {
    const seconds = wholeSeconds(decision.resetInMs);
    const withNumber = `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`;
    const mode = this.options.retryAfter;
    const headers: Record<string, string> = { ...this.headers(decision) };
    if (mode === "seconds") headers["retry-after"] = String(seconds);
    if (mode === "zero") headers["retry-after"] = "0";
    if (mode === "http-date") {
      // An HTTP-date has whole-second precision: round up so that obeying it never comes back early.
      headers["retry-after"] = new Date(
        Math.ceil((this.now() + decision.resetInMs) / 1000) * 1000,
      ).toUTCString();
    }
    const legacy = mode === "missing";
    return {
      headers,
      body: {
        message: legacy ? "Rate limit exceeded the maximum" : withNumber,
        code: legacy ? "too.many.requests" : "too.many.requests.retry.after",
        status: 429,
        contextId: randomUUID(),
        details: [],
        errors: [],
      },
    };
  }

  #window(clientId: string): RequestWindow {
    let window = this.#windows.get(clientId);
    if (window === undefined) {
      const { limit, windowMs, kind } = this.options;
      window =
        kind === "fixed-window" ? new FixedWindow(limit, windowMs) : new SlidingWindow(limit, windowMs);
      this.#windows.set(clientId, window);
    }
    return window;
  }
}

function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
