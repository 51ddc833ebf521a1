import type { UpstreamResponse } from "../upstream-response.ts";
import { headerValue } from "./header-value.ts";

/**
 * Genesys' normalized 429 body: "Rate limit exceeded the maximum. Retry the request in [42] seconds".
 * Older and edge responses send it without the Retry-After header, so the number in the text is
 * sometimes the only retry time there is.
 */
const MESSAGE_SECONDS = /retry the request in\s*\[?\s*(\d+(?:\.\d+)?)\s*\]?\s*sec/i;

/**
 * How long to wait before retrying a throttled request, in milliseconds, from the first usable
 * source in this order: `Retry-After` (seconds or an HTTP-date), the "[N] seconds" in the Genesys
 * message, Genesys' `inin-ratelimit-reset` (seconds to the window's reset) and Okta's
 * `X-Rate-Limit-Reset` (epoch seconds).
 *
 * Returns `0` when the upstream said "now" (users report `Retry-After: 0`) and `undefined` when it
 * said nothing readable. Both mean "no usable retry time": a caller must fall back to a wait it has
 * learned, never retry at once, or a throttled quota turns into a tight 429 loop.
 *
 * `secondMs` scales relative seconds (Retry-After, the message, inin-ratelimit-reset) so tests can
 * shrink time; absolute times (HTTP-date, Okta's epoch seconds) are compared with `nowMs` as they are.
 */
export function retryDelayMs(response: UpstreamResponse, nowMs: number, secondMs = 1000): number | undefined {
  let saidZero = false;
  for (const delayMs of candidates(response, nowMs, secondMs)) {
    if (delayMs === undefined) continue;
    if (delayMs > 0) return Math.ceil(delayMs);
    saidZero = true;
  }
  return saidZero ? 0 : undefined;
}

function* candidates(response: UpstreamResponse, nowMs: number, secondMs: number) {
  yield fromRetryAfter(headerValue(response.headers, "retry-after"), nowMs, secondMs);
  yield fromMessage(response.body, secondMs);
  yield seconds(headerValue(response.headers, "inin-ratelimit-reset"), secondMs);
  const oktaReset = seconds(headerValue(response.headers, "x-rate-limit-reset"), 1000);
  yield oktaReset === undefined ? undefined : Math.max(0, oktaReset - nowMs);
}

function fromRetryAfter(value: string | undefined, nowMs: number, secondMs: number): number | undefined {
  if (value === undefined) return undefined;
  const relative = seconds(value, secondMs);
  if (relative !== undefined) return relative;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function fromMessage(body: string, secondMs: number): number | undefined {
  if (!body) return undefined;
  let text = body;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "message" in parsed && typeof parsed.message === "string") {
      text = parsed.message;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the raw text may still carry the sentence.
  }
  const match = MESSAGE_SECONDS.exec(text);
  return match?.[1] === undefined ? undefined : seconds(match[1], secondMs);
}

function seconds(value: string | undefined, unitMs: number): number | undefined {
  if (value === undefined || !/^\s*\d+(?:\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value) * unitMs;
}
