import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { allOf, stepped, tokenBucket, window, type QuotaShape } from "../sim/quota-shapes.ts";
import { createRateController } from "../src/throttle/rate-controller.ts";
import { createManualClock } from "./support/manual-clock.ts";
import { runAgainstQuota, timeToReach, type QuotaRunOptions } from "./support/quota-run.ts";

const T0 = 1_700_000_000_000;

/** The controller with its defaults against `shape`, a backlog of `requests` from the start. */
async function run(shape: QuotaShape, requests: number, over: Partial<QuotaRunOptions> = {}) {
  const clock = createManualClock(T0);
  const controller = createRateController({ upstream: "genesys", clock, random: () => 0.5 });
  const result = await runAgainstQuota({ clock, controller, shape, requests, ...over });
  return { ...result, state: controller.state(), share: result.throttled / result.sent };
}

/** Accepted requests per whole second of the run. */
function perSecond(accepted: number[]): number[] {
  const counts: number[] = [];
  for (const t of accepted) counts[Math.floor(t / 1000)] = (counts[Math.floor(t / 1000)] ?? 0) + 1;
  return Array.from(counts, (c) => c ?? 0);
}

describe("rate controller against unknown quotas (manual clock)", () => {
  for (const quota of [2, 100, 500]) {
    it(`finds a ${quota}/s quota from nothing within seconds, without headers`, async () => {
      const r = await run(tokenBucket(quota, quota), quota * 10, { headers: false });
      assert.equal(r.done, true);
      assert.equal(r.failed, 0);
      const reached = timeToReach(r.accepted, quota) ?? Infinity;
      assert.ok(reached <= 5_000, `90% of ${quota}/s after ${reached} ms`);
      // Ten seconds of quota, plus at most the seconds spent finding it.
      assert.ok(r.makespanMs <= 13_000, `makespan ${r.makespanMs} ms`);
      assert.equal(r.state.windowShape, "per-second");
    });
  }

  it("follows a quota that rises six-fold within seconds, and pays one cut when it falls", async () => {
    const low = () => tokenBucket(20, 20);
    const shape = stepped(stepped(low(), T0 + 10_000, tokenBucket(120, 120)), T0 + 25_000, low());
    const r = await run(shape, 2_300, { headers: false });
    assert.equal(r.done, true);
    const after = r.accepted.filter((t) => t >= 10_000).map((t) => t - 10_000);
    const found = timeToReach(after, 120) ?? Infinity;
    assert.ok(found <= 8_000, `the raised quota reached after ${found} ms`);
    const rates = perSecond(r.accepted);
    // Once the quota fell back, the pace follows it down and stays there instead of storming.
    const late = rates.slice(28, -1);
    assert.ok(late.length > 0 && late.every((n) => n <= 40), `after the fall: ${late.join(" ")}`);
    assert.ok(r.share < 0.03, `${(r.share * 100).toFixed(2)}% 429s`);
  });

  it("paces evenly under a per-second limit the per-minute headers understate", async () => {
    // The headers say 12,000 a minute (200/s); a 100/s token bucket binds.
    const shape = allOf(window("fixed", 12_000, 60_000), tokenBucket(100, 100));
    const r = await run(shape, 2_000);
    assert.equal(r.done, true);
    assert.equal(r.state.headersUnderstate, true);
    const learned = r.state.learnedLimit?.rate ?? 0;
    assert.ok(learned > 85 && learned < 115, `learned ${learned}/s`);
    assert.ok(r.share < 0.01, `${(r.share * 100).toFixed(2)}% 429s`);
    // Even, not spend-and-hold (97, 157, 12, 193, 1, 192… before): after the first five seconds
    // no second near twice the limit, and at most one in five held back by a pause.
    const steady = perSecond(r.accepted).slice(5, -1);
    assert.ok(Math.max(...steady) <= 160, `per second: ${steady.join(" ")}`);
    assert.ok(steady.filter((n) => n < 50).length <= steady.length / 5, `per second: ${steady.join(" ")}`);
    assert.ok(r.makespanMs <= 22_000, `makespan ${r.makespanMs} ms for 20 s of quota`);
  });

  it("respects several limits at once: a per-second burst limit under a per-minute quota", async () => {
    const shape = allOf(window("fixed", 2_400, 60_000), tokenBucket(50, 10));
    const r = await run(shape, 1_200);
    assert.equal(r.done, true);
    assert.ok(r.share < 0.02, `${(r.share * 100).toFixed(2)}% 429s`);
    assert.ok(r.makespanMs <= 33_000, `makespan ${r.makespanMs} ms for 30 s of quota`);
  });

  it("leaves what another consumer takes, and takes it back when it stops", async () => {
    const r = await run(tokenBucket(100, 100), 2_000, {
      headers: false,
      other: { rate: 50, from: 6_000, to: 12_000 },
    });
    assert.equal(r.done, true);
    assert.ok(r.share < 0.03, `${(r.share * 100).toFixed(2)}% 429s`);
    // Ideal: 20 s of quota plus the 3 s the other consumer took.
    assert.ok(r.makespanMs <= 1.2 * 23_000, `makespan ${r.makespanMs} ms`);
  });
});

describe("rate controller learns the window's shape (manual clock)", () => {
  it("a fixed minute window, with headers: paced at the quota without a 429", async () => {
    const r = await run(window("fixed", 600, 60_000), 1_500);
    assert.equal(r.done, true);
    assert.equal(r.throttled, 0);
    assert.equal(r.state.windowShape, "fixed-window");
    assert.ok(r.makespanMs <= 155_000, `makespan ${r.makespanMs} ms for 150 s of quota`);
  });

  it("a fixed minute window, without headers: spends each window and waits for its reset", async () => {
    const r = await run(window("fixed", 600, 60_000), 1_500, { headers: false });
    assert.equal(r.done, true);
    assert.equal(r.state.windowShape, "fixed-window");
    // Most are the end of slow start, which overshoots a window it cannot see by a round trip.
    assert.ok(r.share < 0.03, `${(r.share * 100).toFixed(2)}% 429s`);
    assert.ok(r.makespanMs <= 155_000, `makespan ${r.makespanMs} ms`);
  });

  it("a sliding window, with headers: recognised as rolling, no 429", async () => {
    const r = await run(window("sliding", 600, 60_000), 1_500);
    assert.equal(r.done, true);
    assert.equal(r.state.windowShape, "rolling");
    assert.equal(r.throttled, 0);
  });

  it("a token bucket, from Retry-After alone", async () => {
    const r = await run(tokenBucket(50, 50), 600, { headers: false });
    assert.equal(r.state.windowShape, "per-second");
  });

  for (const retryAfter of ["zero", "missing"] as const) {
    it(`a token bucket whose 429s give Retry-After ${retryAfter}: no tight loop, few 429s`, async () => {
      const r = await run(tokenBucket(100, 100), 1_500, { headers: false, retryAfter });
      assert.equal(r.done, true);
      assert.equal(r.failed, 0);
      assert.ok(r.share < 0.03, `${(r.share * 100).toFixed(2)}% 429s`);
    });
  }
});
