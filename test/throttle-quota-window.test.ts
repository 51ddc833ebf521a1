import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { readQuotaHeaders } from "../src/throttle/quota-headers.ts";
import { QuotaWindow } from "../src/throttle/quota-window.ts";

const SECOND = 100; // a scaled-down "second": header values are in these
const t0 = 1_000_000;

function genesys(allowed: number, count: number, resetSeconds: number | string) {
  const reading = readQuotaHeaders(
    {
      "inin-ratelimit-allowed": String(allowed),
      "inin-ratelimit-count": String(count),
      "inin-ratelimit-reset": String(resetSeconds),
    },
    SECOND,
  );
  assert.ok(reading);
  return reading;
}

const noneInFlight = () => 0;

describe("quota headers", () => {
  it("reads Genesys' allowed, count and reset, with one second of doubt for whole seconds", () => {
    assert.deepEqual(genesys(300, 12, 40), {
      allowed: 300,
      used: 12,
      reset: { kind: "relative", ms: 4_000 },
      resolutionMs: SECOND,
    });
    assert.equal(genesys(300, 12, "4.25").resolutionMs, 0);
  });

  it("reads Okta's limit, remaining and epoch-second reset", () => {
    const reading = readQuotaHeaders(
      { "x-rate-limit-limit": "600", "x-rate-limit-remaining": "598", "x-rate-limit-reset": "1700000060" },
      SECOND,
    );
    assert.deepEqual(reading, {
      allowed: 600,
      used: 2,
      reset: { kind: "absolute", at: 1_700_000_060_000 },
      resolutionMs: 1000,
    });
  });

  it("ignores answers without the headers or with garbage in them", () => {
    assert.equal(readQuotaHeaders({}, SECOND), undefined);
    assert.equal(
      readQuotaHeaders({ "inin-ratelimit-allowed": "x", "inin-ratelimit-count": "1" }, SECOND),
      undefined,
    );
  });
});

describe("quota window (fixed)", () => {
  it("pins the window end down from whole-second resets by intersecting what each answer allows", () => {
    const window = new QuotaWindow();
    // True end: t0 + 2_050. Each answer arrives 10 ms after it was sent and rounds up.
    for (let at = t0; at < t0 + 1_000; at += 50) {
      const reset = Math.ceil((t0 + 2_050 - (at + 10)) / SECOND);
      window.observe(genesys(300, 1 + (at - t0) / 50, reset), at, at + 10, 50);
    }
    const left = window.resetInMs(t0 + 1_000) ?? 0;
    assert.ok(left >= 1_050 && left <= 1_070, `window ends in ${left} ms, truly 1050`);
  });

  it("once a window has been seen to reset whole, holds a spent window until its end", async () => {
    const window = new QuotaWindow();
    window.observe(genesys(10, 1, 20), t0 - 2_000, t0 - 1_990, 50);
    // A new window: the reset jumped on and the count fell back.
    window.observe(genesys(10, 1, 20), t0, t0 + 10, 50);
    window.observe(genesys(10, 9, 15), t0 + 500, t0 + 510, 50);
    const plan = window.plan(t0 + 520, noneInFlight);
    assert.ok(
      plan.holdUntil >= t0 + 2_000 && plan.holdUntil <= t0 + 2_010,
      `hold until +${plan.holdUntil - t0}`,
    );
    const next = window.plan(t0 + 2_020, noneInFlight);
    assert.deepEqual([next.rate, next.holdUntil], [Infinity, 0]);
    // Replicas check a send past the end against the next window, if another's answers showed it.
    assert.ok(
      next.admission !== undefined && next.admission.endLo > t0 + 2_010,
      "admitted against the next window",
    );
  });

  it("before any window has reset, does not assume a spent window comes back whole at its end", () => {
    const window = new QuotaWindow();
    window.observe(genesys(10, 1, 20), t0, t0 + 10, 50);
    window.observe(genesys(10, 9, 15), t0 + 500, t0 + 510, 50);
    // Only our own first request is known to have aged out: one slot, not ten.
    assert.equal(window.plan(t0 + 2_020, noneInFlight).holdUntil, 0);
    assert.ok(
      window.plan(t0 + 2_020, () => 1).holdUntil > t0 + 2_020,
      "still patient: it may be a rolling limit",
    );
  });

  it("moves on to the next window when another replica's answers show it, and holds to its count", () => {
    const window = new QuotaWindow();
    window.observe(genesys(10, 1, 20), t0, t0 + 10, 50);
    // Another replica's answer from the next window, its count fallen back: a fixed window's reset.
    const next = { allowed: 10, endLo: t0 + 3_900, endHi: t0 + 4_010, at: t0 + 2_050 };
    window.share({ ...next, used: 3 });
    const plan = window.plan(t0 + 2_060, noneInFlight);
    assert.equal(plan.admission?.used, 3);
    assert.ok(Number.isFinite(plan.admission?.cutoff), "a fixed window's budget, up to its end");
    window.share({ ...next, used: 9, at: t0 + 2_100 });
    assert.ok(window.plan(t0 + 2_110, noneInFlight).holdUntil > t0 + 3_800, "spent: held to the end");
  });

  it("counts requests still in flight against the budget", () => {
    const window = new QuotaWindow();
    window.observe(genesys(10, 1, 20), t0 - 2_000, t0 - 1_990, 50);
    window.observe(genesys(10, 1, 20), t0, t0 + 10, 50);
    assert.equal(window.plan(t0 + 20, () => 3).holdUntil, 0);
    // 1 counted + 8 in flight + a reserve of 1 = the whole allowance.
    assert.ok(window.plan(t0 + 20, () => 8).holdUntil > t0 + 20);
  });

  it("spends a fresh fixed window evenly at the quota, not front-loaded into a burst limit", () => {
    const window = new QuotaWindow();
    window.observe(genesys(300, 1, 20), t0 - 2_000, t0 - 1_990, 50);
    window.observe(genesys(300, 1, 20), t0, t0 + 10, 50);
    const quota = window.learnedQuota() ?? 0;
    assert.ok(quota >= 140 && quota <= 160, `quota ${quota}/s`);
    const rate = window.plan(t0 + 20, noneInFlight).rate;
    assert.ok(rate >= quota && rate < 1.1 * quota, `pace ${rate}/s`);
  });

  it("learns the quota as allowed ÷ window length", () => {
    const window = new QuotaWindow();
    for (let at = t0; at < t0 + 1_900; at += 100) {
      window.observe(
        genesys(20, 1 + (at - t0) / 100, Math.ceil((t0 + 2_010 - at - 10) / SECOND)),
        at,
        at + 10,
        50,
      );
    }
    const quota = window.learnedQuota() ?? 0;
    assert.ok(quota >= 9.9 && quota <= 10.6, `quota ${quota}/s, truly 10/s`);
  });
});

describe("quota window (rolling)", () => {
  it("recognises a sliding limit when the count stays high as the reset moves on", () => {
    const window = new QuotaWindow();
    window.observe(genesys(10, 1, 10), t0, t0 + 10, 50);
    window.observe(genesys(10, 9, 5), t0 + 500, t0 + 510, 50);
    // The oldest request aged out: the reset jumps forward but the count barely drops.
    window.observe(genesys(10, 9, 3), t0 + 1_050, t0 + 1_060, 50);
    const plan = window.plan(t0 + 1_070, noneInFlight);
    // Not a fresh window of 10: at most the one slot that came free (less the reserve) may go.
    assert.ok(plan.holdUntil > t0 + 1_070, "holds instead of assuming a whole new window");
  });

  it("frees our own slots as they age out of a rolling window", () => {
    const window = new QuotaWindow();
    // Ten requests 10 ms apart fill a 10-request, 1 s sliding window...
    for (let i = 0; i < 10; i += 1) window.observe(genesys(10, i + 1, 10), t0 + i * 10, t0 + i * 10 + 5, 20);
    window.observe(genesys(10, 10, 1), t0 + 1_000, t0 + 1_005, 20);
    window.observe(genesys(10, 10, 1), t0 + 1_010, t0 + 1_015, 20);
    assert.ok(window.plan(t0 + 1_016, noneInFlight).holdUntil > t0 + 1_016);
    // ...and a few of them leave the window a second after they were answered.
    assert.equal(window.plan(t0 + 1_050, noneInFlight).holdUntil, 0);
  });
});
