import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { retryDelayMs } from "../src/throttle/retry-after.ts";
import type { UpstreamResponse } from "../src/upstream-response.ts";

const now = Date.UTC(2026, 0, 15, 12, 0, 0);

function throttled(headers: Record<string, string> = {}, body = ""): UpstreamResponse {
  return { status: 429, headers, body };
}

const genesysBody = (seconds: number) =>
  JSON.stringify({
    message: `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
    code: "too.many.requests.retry.after",
    status: 429,
    contextId: "c0ffee",
    details: [],
    errors: [],
  });

describe("retryDelayMs", () => {
  it("reads Retry-After in seconds", () => {
    assert.equal(retryDelayMs(throttled({ "retry-after": "42" }), now), 42_000);
  });

  it("scales Retry-After seconds by secondMs so tests can shrink time", () => {
    assert.equal(retryDelayMs(throttled({ "retry-after": "3" }), now, 50), 150);
  });

  it("reads Retry-After as an HTTP-date, relative to now and not scaled", () => {
    const date = new Date(now + 7_000).toUTCString();
    assert.equal(retryDelayMs(throttled({ "retry-after": date }), now, 50), 7_000);
  });

  it("treats an HTTP-date in the past as 'now', which is not a usable wait", () => {
    const date = new Date(now - 60_000).toUTCString();
    assert.equal(retryDelayMs(throttled({ "retry-after": date }), now), 0);
  });

  it("returns 0 for Retry-After: 0 with nothing else to go on", () => {
    assert.equal(retryDelayMs(throttled({ "retry-after": "0" }), now), 0);
  });

  it("returns undefined when nothing says when to retry", () => {
    const legacy = JSON.stringify({ message: "Rate limit exceeded the maximum", code: "too.many.requests" });
    assert.equal(retryDelayMs(throttled({}, legacy), now), undefined);
    assert.equal(retryDelayMs(throttled({ "retry-after": "soon" }), now), undefined);
  });

  it("reads the [N] seconds in the Genesys message when the header is missing", () => {
    assert.equal(retryDelayMs(throttled({}, genesysBody(12)), now), 12_000);
  });

  it("prefers the message's number over Retry-After: 0", () => {
    assert.equal(retryDelayMs(throttled({ "retry-after": "0" }, genesysBody(5)), now), 5_000);
  });

  it("reads the sentence from a body that is not JSON", () => {
    const html = "<p>Rate limit exceeded the maximum. Retry the request in 9 seconds</p>";
    assert.equal(retryDelayMs(throttled({}, html), now), 9_000);
  });

  it("falls back to inin-ratelimit-reset, the seconds until the Genesys window resets", () => {
    const headers = {
      "inin-ratelimit-allowed": "300",
      "inin-ratelimit-count": "301",
      "inin-ratelimit-reset": "17",
    };
    assert.equal(retryDelayMs(throttled(headers), now), 17_000);
  });

  it("reads Okta's X-Rate-Limit-Reset as epoch seconds", () => {
    const reset = String(Math.floor(now / 1000) + 30);
    const headers = {
      "x-rate-limit-limit": "600",
      "x-rate-limit-remaining": "0",
      "x-rate-limit-reset": reset,
    };
    assert.equal(retryDelayMs(throttled(headers), now), 30_000);
  });

  it("takes Retry-After over every other source", () => {
    const headers = { "retry-after": "2", "inin-ratelimit-reset": "40" };
    assert.equal(retryDelayMs(throttled(headers, genesysBody(30)), now), 2_000);
  });

  it("finds the header whatever its case", () => {
    assert.equal(retryDelayMs(throttled({ "Retry-After": "4" }), now), 4_000);
  });
});
