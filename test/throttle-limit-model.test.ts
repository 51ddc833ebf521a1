import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { LimitModel } from "../src/throttle/limit-model.ts";
import type { QuotaReading } from "../src/throttle/quota-headers.ts";

const t0 = 1_700_000_000_000;

/** `rate` accepted per second from `from` for `ms`; returns the end. */
function accepted(model: LimitModel, from: number, ms: number, rate: number): number {
  let t = from;
  for (; t < from + ms; t += 1000 / rate) model.accept(t);
  return t;
}

const minuteHeaders = (used: number, resetS: number): QuotaReading => ({
  allowed: 6000,
  used,
  reset: { kind: "relative", ms: resetS * 1000 },
  resolutionMs: 1000,
});

describe("limit model", () => {
  it("measures a token bucket's rate over the cycle from the last pause, and its burst since the resume", () => {
    const model = new LimitModel();
    // Before any pause only the last second counts: 150/s here, a burst being spent on top of 100/s.
    let t = accepted(model, t0, 2_000, 150);
    const first = model.throttled(t, 1_000, undefined);
    assert.ok(first.rate !== undefined && first.rate > 140 && first.rate < 160, `first ${first.rate}`);
    model.paused(t);
    // Paused a second (the bucket refills 100), then sent at 125/s for 4 s: the refill and 100/s.
    t += 1_000;
    model.resumed(t, 1_000);
    const u = accepted(model, t, 4_000, 125);
    const second = model.throttled(u, 1_000, undefined);
    const rate = second.rate ?? 0;
    assert.ok(rate > 95 && rate < 105, `rate ${rate}, truly 100`);
    assert.ok((second.limit?.burst ?? 0) > 70, `burst ${second.limit?.burst}`);
    assert.equal(second.limit?.shape, "per-second");
  });

  it("gives the burst back as credit after a pause, no more than the limit refilled", () => {
    const model = new LimitModel();
    model.paused(t0);
    model.resumed(t0 + 1_000, 1_000);
    let t = t0 + 1_000;
    for (let i = 0; i < 100; i++) model.accept((t += 5));
    t = accepted(model, t, 4_000, 100);
    model.throttled(t, 1_000, undefined);
    model.paused(t);
    model.resumed(t + 200, 200);
    let credit = 0;
    assert.equal(model.creditSpeedup(), 2);
    while (model.creditSpeedup() > 1) {
      model.takeCredit();
      credit += 1;
    }
    // 200 ms at 100/s refills 20; 80% of it is spent ahead of the pace.
    assert.ok(credit >= 14 && credit <= 17, `credit ${credit}`);
  });

  it("takes a long retry time for a fixed window's reset and a short one for a per-second limit", () => {
    const model = new LimitModel();
    const t = accepted(model, t0, 2_000, 50);
    assert.equal(model.throttled(t, 40_000, undefined).limit?.shape, "fixed-window");
    assert.equal(model.shape(), "fixed-window");
  });

  it("believes the 429s over headers that still show budget", () => {
    const model = new LimitModel();
    model.observe(minuteHeaders(100, 59), t0, t0 + 40, 40);
    assert.equal(model.headersUnderstate(), false);
    const t = accepted(model, t0, 1_000, 150);
    const estimate = model.throttled(t, 1_000, minuteHeaders(151, 58));
    assert.equal(estimate.contradictsHeaders, true);
    assert.equal(model.headersUnderstate(), true);
    assert.equal(model.shape(), "per-second");
  });

  it("does not blame the headers for a 429 once their window is spent", () => {
    const model = new LimitModel();
    model.observe(minuteHeaders(5990, 30), t0, t0 + 40, 40);
    const t = accepted(model, t0, 1_000, 100);
    const estimate = model.throttled(t, 30_000, minuteHeaders(6001, 29));
    assert.equal(estimate.contradictsHeaders, false);
    assert.equal(model.headersUnderstate(), false);
  });

  it("has no estimate from too few accepted requests", () => {
    const model = new LimitModel();
    model.accept(t0);
    assert.equal(model.throttled(t0 + 100, 1_000, undefined).rate, undefined);
  });
});
