import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { tokenBucket } from "../sim/quota-shapes.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { createRateController } from "../src/throttle/rate-controller.ts";
import { bridgeEnv } from "./support/harness.ts";
import { createManualClock } from "./support/manual-clock.ts";
import { runAgainstQuota } from "./support/quota-run.ts";

/** A configuration that loads: the tests' simulator environment (nothing is started). */
const valid = bridgeEnv("https://example.okta.com", "http://127.0.0.1:9", "./data");

describe("rate controller configuration", () => {
  it("leaves the quota to be found unless GENESYS_RATE_LIMIT tells it, per minute", () => {
    assert.equal(loadConfig(valid).limits.genesysRateLimit, undefined);
    assert.equal(loadConfig({ ...valid, GENESYS_RATE_LIMIT: "6000" }).limits.genesysRateLimit, 6000);
    assert.equal(loadConfig(valid).limits.genesysInitialRate, 3);
  });

  it("names GENESYS_RATE_LIMIT when it is not a positive number", () => {
    assert.throws(
      () => loadConfig({ ...valid, GENESYS_RATE_LIMIT: "lots" }),
      (e: unknown) => e instanceof ConfigError && /GENESYS_RATE_LIMIT/.test(e.message),
    );
  });

  it("starts at a told rate limit and never paces above it", async () => {
    const clock = createManualClock();
    const controller = createRateController({ upstream: "genesys", clock, rateLimit: 50 });
    assert.equal(controller.state().slowStart, false);
    const r = await runAgainstQuota({ clock, controller, shape: tokenBucket(500, 500), requests: 500 });
    assert.equal(r.throttled, 0);
    // 500 requests at 50/s: ten seconds, not one.
    assert.ok(r.makespanMs >= 9_900, `makespan ${r.makespanMs} ms`);
    assert.ok(controller.state().rate <= 50);
  });

  it("still believes the 429s under a told rate limit that is too high", async () => {
    const clock = createManualClock();
    const controller = createRateController({ upstream: "genesys", clock, rateLimit: 200 });
    const r = await runAgainstQuota({
      clock,
      controller,
      shape: tokenBucket(50, 50),
      requests: 1_000,
      headers: false,
    });
    assert.equal(r.done, true);
    assert.ok(r.throttled / r.sent < 0.03, `${r.throttled} 429s of ${r.sent}`);
    assert.ok(controller.state().cuts >= 1);
    assert.ok(r.makespanMs <= 23_000, `makespan ${r.makespanMs} ms for 20 s of quota`);
  });
});
