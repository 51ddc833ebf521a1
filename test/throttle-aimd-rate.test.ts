import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AimdRate } from "../src/throttle/aimd-rate.ts";
import { fullJitterBackoffMs } from "../src/throttle/backoff.ts";
import { FallbackWait } from "../src/throttle/fallback-wait.ts";

const WINDOW = 1_000;
const options = (initialRate: number, minRate = 0.2, maxRate = 10_000) => ({
  initialRate,
  minRate,
  maxRate,
  windowMs: WINDOW,
});

/** `rate` requests per second answered and accepted from `from` for `ms`, each a success under demand. */
function demand(aimd: AimdRate, from: number, ms: number, rate = aimd.rate): number {
  let t = from;
  while (t < from + ms) {
    aimd.accept(t);
    aimd.grow(t);
    t += 1000 / Math.max(rate, aimd.rate);
  }
  return t;
}

describe("AIMD rate", () => {
  it("doubles about every window of demand in slow start", () => {
    const aimd = new AimdRate(options(100));
    demand(aimd, 0, 2 * WINDOW);
    assert.ok(aimd.rate > 330 && aimd.rate < 440, `rate ${aimd.rate}`);
  });

  it("does not grow while something else holds the sends below the rate", () => {
    const aimd = new AimdRate(options(100));
    let t = 0;
    for (; t < 3 * WINDOW; t += 50) {
      aimd.accept(t); // 20/s get through: the caller or the in-flight cap is the limit
      aimd.grow(t);
    }
    assert.equal(aimd.rate, 100);
  });

  it("cuts multiplicatively, once per call, and counts the epoch", () => {
    const aimd = new AimdRate(options(100));
    aimd.cut(0, 100);
    assert.equal(aimd.rate, 90);
    assert.equal(aimd.epoch, 1);
    assert.equal(aimd.cuts, 1);
  });

  it("never goes below minRate", () => {
    const aimd = new AimdRate(options(1, 0.5, 10));
    for (let i = 0; i < 20; i += 1) aimd.cut(i, aimd.rate);
    assert.equal(aimd.rate, 0.5);
  });

  it("lands slow start's overshoot near what the upstream accepted over the last window", () => {
    const aimd = new AimdRate(options(100));
    // 100/s accepted for a window while slow start has the rate far above it.
    const t = demand(aimd, 0, 2 * WINDOW);
    for (let u = t; u < t + WINDOW; u += 10) aimd.accept(u);
    aimd.cut(t + WINDOW, 400, 0);
    assert.ok(aimd.rate >= 89 && aimd.rate <= 91, `rate ${aimd.rate}`);
    assert.ok(aimd.knee >= 96 && aimd.knee <= 98, `knee ${aimd.knee}`);
  });

  it("comes back to the knee quickly, then creeps, then probes faster the longer no 429 comes", () => {
    const aimd = new AimdRate(options(100));
    let t = demand(aimd, 0, WINDOW);
    aimd.cut(t, aimd.rate);
    const knee = aimd.knee;
    t = demand(aimd, t, WINDOW / 5);
    assert.ok(aimd.rate >= knee * 0.999, "back at the knee within a fifth of a window");
    const atKnee = aimd.rate;
    t = demand(aimd, t, 2 * WINDOW);
    const early = aimd.rate - atKnee;
    const mid = aimd.rate;
    demand(aimd, t, 2 * WINDOW);
    const later = aimd.rate - mid;
    assert.ok(early < 0.05 * atKnee, `+${early} in the first two windows above the knee`);
    assert.ok(later > 2 * early, `+${later} in the next two`);
  });

  it("does not credit growth for time with no successes in it", () => {
    const aimd = new AimdRate(options(10));
    aimd.accept(0);
    aimd.grow(0);
    aimd.accept(60_000);
    aimd.grow(60_000);
    assert.equal(aimd.rate, 10);
  });
});

describe("fallback wait", () => {
  it("doubles while 429s without a retry time repeat, jittered ±20%", () => {
    const wait = new FallbackWait(1_000, () => 0.5);
    assert.deepEqual([wait.next(0), wait.next(1), wait.next(2), wait.next(3)], [1_000, 2_000, 4_000, 8_000]);
    const low = new FallbackWait(1_000, () => 0);
    const high = new FallbackWait(1_000, () => 1);
    assert.equal(Math.round(low.next(0)), 800);
    assert.equal(Math.round(high.next(0)), 1_200);
  });

  it("stops at the cap", () => {
    const wait = new FallbackWait(1_000, () => 0.5, 5_000);
    for (let i = 0; i < 10; i += 1) wait.next(i);
    assert.equal(wait.next(11), 5_000);
  });

  it("starts the next episode shorter when the first probe got through", () => {
    const wait = new FallbackWait(1_000, () => 0.5);
    wait.next(0);
    wait.recovered(1_000);
    assert.equal(wait.next(5_000), 750);
  });

  it("starts the next episode near what the last one took when it took several probes", () => {
    const wait = new FallbackWait(1_000, () => 0.5);
    wait.next(0);
    wait.next(1_000);
    wait.next(3_000);
    wait.recovered(7_000);
    assert.equal(wait.next(20_000), 5_250);
  });
});

describe("full-jitter backoff", () => {
  it("draws from U(0, min(cap, base·2^attempt))", () => {
    assert.equal(
      fullJitterBackoffMs(0, 100, 1_000, () => 1),
      100,
    );
    assert.equal(
      fullJitterBackoffMs(3, 100, 1_000, () => 1),
      800,
    );
    assert.equal(
      fullJitterBackoffMs(10, 100, 1_000, () => 1),
      1_000,
    );
    assert.equal(
      fullJitterBackoffMs(10, 100, 1_000, () => 0),
      0,
    );
    assert.equal(
      fullJitterBackoffMs(2, 100, 1_000, () => 0.5),
      200,
    );
  });
});
