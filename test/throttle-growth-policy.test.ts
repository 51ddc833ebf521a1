import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { GrowthPolicy } from "../src/throttle/growth-policy.ts";
import { createMemoryQuotaState, type QuotaState } from "../src/throttle/quota-state.ts";

const t0 = 1_700_000_000_000;

function setup(initialRate: number, maxRate = 10_000) {
  const state = createMemoryQuotaState({ initialRate });
  return { state, growth: new GrowthPolicy(state, { minRate: 0.2, maxRate }) };
}

/** Successes under demand at the current rate, one interval apart, from `from` for `ms`; returns the end. */
function demand(state: QuotaState, growth: GrowthPolicy, from: number, ms: number): number {
  let t = from;
  while (t < from + ms) {
    growth.accepted(t, state.read().epoch);
    t += 1000 / state.read().rate;
  }
  return t;
}

describe("growth policy", () => {
  it("doubles in slow start per round of evidence, not per assumed minute", () => {
    const { state, growth } = setup(3);
    demand(state, growth, t0, 3_000);
    // From 3/s, about eight doublings in three seconds: 100/s is found in seconds.
    assert.ok(state.read().rate >= 100, `rate ${state.read().rate}`);
    assert.equal(state.read().slowStart, true);
  });

  it("doubles only once a round's worth of sends came back accepted", () => {
    const { state, growth } = setup(100);
    growth.accepted(t0, 0);
    for (let i = 1; i < 20; i++) growth.accepted(t0 + i * 10, 0);
    // 20 accepted in 190 ms: a round at 100/s needs 25 sends over 250 ms.
    assert.equal(state.read().rate, 100);
    for (let i = 20; i < 30; i++) growth.accepted(t0 + i * 10, 0);
    assert.equal(state.read().rate, 200);
  });

  it("leaves slow start at the first 429 under the rate before the last doubling", () => {
    const { state, growth } = setup(192);
    const cut = growth.congested({ now: t0, epochAtSend: 0, rateAtSend: 192, estimate: 150 });
    assert.equal(cut, true);
    const s = state.read();
    assert.equal(s.slowStart, false);
    assert.ok(Math.abs(s.rate - 0.9 * 96) < 1e-9, `rate ${s.rate}`);
    assert.equal(s.epoch, 1);
  });

  it("cuts once per congestion epoch, and not again while the limit settles", () => {
    const { state, growth } = setup(100);
    state.seed(100, 100, t0 - 10_000);
    const epoch = state.read().epoch;
    const signal = { now: t0, epochAtSend: epoch, rateAtSend: 100, estimate: 80 };
    assert.equal(growth.congested(signal), true);
    assert.equal(growth.congested(signal), false, "same epoch");
    assert.equal(growth.congested({ ...signal, epochAtSend: epoch + 1, now: t0 + 500 }), false, "settling");
    assert.equal(growth.congested({ ...signal, epochAtSend: epoch + 1, now: t0 + 1_500 }), true);
    assert.equal(state.read().cuts, 2);
  });

  it("lands a cut under the measured limit and climbs back to just under it", () => {
    const { state, growth } = setup(150);
    state.seed(150, 150, t0 - 10_000);
    growth.congested({ now: t0, epochAtSend: 1, rateAtSend: 150, estimate: 100 });
    assert.ok(Math.abs(state.read().rate - 90) < 1e-9);
    assert.ok(Math.abs(state.read().knee - 97) < 1e-9);
    demand(state, growth, t0 + 1, 1_000);
    const rate = state.read().rate;
    assert.ok(rate > 96 && rate < 100, `back near the knee: ${rate}`);
  });

  it("probes above the knee slowly at first, then convexly: a limit that rose is found in seconds", () => {
    const { state, growth } = setup(20);
    state.seed(20, 20, t0);
    let t = demand(state, growth, t0, 2_000);
    const early = state.read().rate;
    assert.ok(early < 22, `creeps first: ${early}`);
    t = demand(state, growth, t, 6_000);
    assert.ok(state.read().rate >= 120, `six times the knee within eight seconds: ${state.read().rate}`);
    assert.ok(t > t0);
  });

  it("takes a 429 far above the knee for a moved limit, not for the old one", () => {
    const { state, growth } = setup(20);
    state.seed(20, 20, t0);
    // The probe ran up to 240/s before a 429: the limit moved up, the old estimate is stale.
    state.grow(1, 240, false);
    growth.congested({ now: t0 + 8_000, epochAtSend: 1, rateAtSend: 240, estimate: 50 });
    assert.ok(Math.abs(state.read().rate - 108) < 1e-9, `rate ${state.read().rate}`);
  });

  it("drops growth decided in an epoch a cut has closed", () => {
    const { state, growth } = setup(50);
    state.seed(50, 50, t0);
    growth.congested({ now: t0 + 100, epochAtSend: 1, rateAtSend: 50, estimate: 40 });
    const after = state.read().rate;
    demand(state, growth, t0 + 200, 10);
    growth.accepted(t0 + 300, 1); // sent before the cut
    assert.equal(state.read().rate, after);
  });

  it("does not grow a pace that is not being used (app-limited or a busy machine)", () => {
    const { state, growth } = setup(100);
    // Successes at 30/s under a pace of 100/s: the pace is not what holds the sends back.
    for (let t = t0; t < t0 + 3_000; t += 1000 / 30) growth.accepted(t, state.read().epoch);
    assert.equal(state.read().rate, 100);
  });

  it("never grows past maxRate", () => {
    const { state, growth } = setup(3, 40);
    demand(state, growth, t0, 5_000);
    assert.equal(state.read().rate, 40);
  });
});
