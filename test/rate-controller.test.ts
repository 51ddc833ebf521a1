import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { ShuttingDownError, ThrottledError, UpstreamUnavailableError } from "../src/errors.ts";
import { createLogger } from "../src/log.ts";
import type { Lane } from "../src/lane.ts";
import { createMetrics } from "../src/metrics.ts";
import { createManualClock, type ManualClock } from "./support/manual-clock.ts";
import {
  createRateController,
  type RateController,
  type RateControllerOptions,
} from "../src/throttle/rate-controller.ts";
import type { UpstreamResponse } from "../src/upstream-response.ts";

const ok: UpstreamResponse = { status: 200, headers: {}, body: "{}" };
const tooMany = (headers: Record<string, string> = {}, body = ""): UpstreamResponse => ({
  status: 429,
  headers,
  body,
});

interface Sent {
  id: string;
  at: number;
}

/**
 * A stand-in upstream on the manual clock: records when each request was sent and answers after
 * `latencyMs` with whatever `answer` says for the n-th request (an Error means a network failure).
 */
function fakeUpstream(
  clock: ManualClock,
  answer: (n: number, id: string) => UpstreamResponse | Error = () => ok,
  latencyMs = 10,
) {
  const sent: Sent[] = [];
  return {
    sent,
    send: (id: string) => async () => {
      const n = sent.length;
      sent.push({ id, at: clock.now() });
      await clock.sleep(latencyMs);
      const response = answer(n, id);
      if (response instanceof Error) throw response;
      return response;
    },
  };
}

function setup(options: Partial<RateControllerOptions> = {}) {
  const clock = createManualClock();
  const controller = createRateController({ upstream: "genesys", clock, random: () => 0.5, ...options });
  return { clock, controller, start: clock.now() };
}

/** Starts `count` requests at once and keeps their outcomes. */
function burst(
  controller: RateController,
  send: (id: string) => () => Promise<UpstreamResponse>,
  count: number,
  lane: Lane = "bulk",
) {
  const results: (UpstreamResponse | Error)[] = [];
  const all = Array.from({ length: count }, (_, i) =>
    controller.run(lane, send(`${lane}${i}`)).then(
      (response) => void results.push(response),
      (error: Error) => void results.push(error),
    ),
  );
  return { results, settled: Promise.all(all) };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] ?? t));

describe("rate controller pacing", () => {
  it("spaces sends evenly at the rate instead of sending them in a burst", async () => {
    const { clock, controller } = setup({ initialRate: 10, maxRate: 10 });
    const upstream = fakeUpstream(clock);
    const { settled } = burst(controller, upstream.send, 10);
    await clock.advance(2_000);
    await settled;
    assert.equal(upstream.sent.length, 10);
    for (const gap of gaps(upstream.sent.map((s) => s.at))) assert.ok(gap >= 99, `gap ${gap} ms`);
  });

  it("keeps the rate when timers fire late, as on a busy event loop", async () => {
    const manual = createManualClock();
    // Every wake-up comes 7 ms late: at 100/s (10 ms apart) a schedule restarted from each late
    // wake-up would send only 1000/17 ≈ 59 a second.
    const clock: ManualClock = { ...manual, sleep: (ms, signal) => manual.sleep(ms + 7, signal) };
    const controller = createRateController({ upstream: "genesys", clock, initialRate: 100, maxRate: 100 });
    const upstream = fakeUpstream(clock, () => ok, 5);
    const { settled } = burst(controller, upstream.send, 400);
    await manual.advance(2_000);
    const sentInTwoSeconds = upstream.sent.length;
    assert.ok(sentInTwoSeconds >= 180, `${sentInTwoSeconds} sent in 2 s at 100/s`);
    assert.ok(sentInTwoSeconds <= 202, `${sentInTwoSeconds} sent in 2 s at 100/s`);
    controller.close();
    await manual.advance(100);
    await settled;
  });

  it("grows the rate while requests succeed and others are waiting", async () => {
    // A 3 s window (60 scaled seconds): slow start doubles the rate once per window.
    const { clock, controller } = setup({ initialRate: 5 });
    const upstream = fakeUpstream(clock);
    burst(controller, upstream.send, 200);
    await clock.advance(4_000);
    assert.ok(controller.state().rate >= 10, `rate ${controller.state().rate}`);
    controller.close();
  });

  it("does not grow while demand stays below the rate (app-limited)", async () => {
    const { clock, controller } = setup({ initialRate: 5 });
    const upstream = fakeUpstream(clock);
    for (let i = 0; i < 20; i += 1) {
      const done = controller.run("live", upstream.send(`r${i}`));
      await clock.advance(1_000);
      await done;
    }
    assert.equal(upstream.sent.length, 20);
    assert.equal(controller.state().rate, 5);
  });

  it("sizes the in-flight cap from rate × latency so concurrency never limits throughput", async () => {
    const { clock, controller } = setup({ initialRate: 50, maxRate: 50 });
    const upstream = fakeUpstream(clock, () => ok, 400);
    burst(controller, upstream.send, 100);
    await clock.advance(1_500);
    // 50/s × 0.4 s = 20 requests must be in flight at once to keep the pace.
    assert.ok(controller.state().concurrency >= 20, `cap ${controller.state().concurrency}`);
    assert.ok(controller.state().inFlight >= 19, `in flight ${controller.state().inFlight}`);
    controller.close();
  });

  it("caps in-flight requests at maxConcurrency", async () => {
    const { clock, controller } = setup({ initialRate: 50, maxRate: 50, maxConcurrency: 3 });
    const upstream = fakeUpstream(clock, () => ok, 1_000);
    burst(controller, upstream.send, 10);
    await clock.advance(900);
    assert.equal(controller.state().inFlight, 3);
    assert.equal(upstream.sent.length, 3);
    controller.close();
  });
});

describe("rate controller order", () => {
  it("lets live requests go before bulk ones, FIFO within a lane", async () => {
    const { clock, controller } = setup({ initialRate: 10, maxRate: 10 });
    const upstream = fakeUpstream(clock);
    const runs = [
      controller.run("bulk", upstream.send("bulk1")),
      controller.run("bulk", upstream.send("bulk2")),
      controller.run("bulk", upstream.send("bulk3")),
      controller.run("live", upstream.send("live1")),
      controller.run("live", upstream.send("live2")),
    ];
    await clock.advance(1_000);
    await Promise.all(runs);
    assert.deepEqual(
      upstream.sent.map((s) => s.id),
      ["bulk1", "live1", "live2", "bulk2", "bulk3"],
    );
  });

  it("puts a request answered 429 back at the front of its lane", async () => {
    const { clock, controller } = setup({ initialRate: 10, maxRate: 10, maxConcurrency: 1 });
    const upstream = fakeUpstream(clock, (n) => (n === 0 ? tooMany({ "retry-after": "1" }) : ok));
    const runs = ["a", "b", "c"].map((id) => controller.run("bulk", upstream.send(id)));
    await clock.advance(2_000);
    await Promise.all(runs);
    assert.deepEqual(
      upstream.sent.map((s) => s.id),
      ["a", "a", "b", "c"],
    );
  });
});

describe("rate controller on 429", () => {
  it("cuts the rate once for several 429s from one burst (one congestion epoch)", async () => {
    const { clock, controller } = setup({ initialRate: 20, maxRate: 20 });
    // Requests 10-13 were all sent before the first 429 came back: one signal, not four.
    const upstream = fakeUpstream(
      clock,
      (n) => (n >= 10 && n <= 13 ? tooMany({ "retry-after": "2" }) : ok),
      200,
    );
    const { settled } = burst(controller, upstream.send, 30);
    await clock.advance(10_000);
    await settled;
    assert.equal(controller.state().throttled, 4);
    assert.equal(controller.state().cuts, 1);
    assert.ok(controller.state().rate < 20);
  });

  it("cuts again for a 429 to a request sent after the cut, once the limit has settled", async () => {
    const { clock, controller } = setup({ initialRate: 20, maxRate: 20 });
    // Request 40 goes out well after the 1 s the first cut waits to settle.
    const upstream = fakeUpstream(clock, (n) => (n === 5 || n === 40 ? tooMany({ "retry-after": "1" }) : ok));
    const { settled } = burst(controller, upstream.send, 50);
    await clock.advance(20_000);
    await settled;
    assert.equal(controller.state().throttled, 2);
    assert.equal(controller.state().cuts, 2);
  });

  it("pauses but does not cut again for a 429 while the limit still remembers the last overshoot", async () => {
    const { clock, controller } = setup({ initialRate: 20, maxRate: 20 });
    // Request 6 is sent after the first cut, but within the second the cut waits to settle.
    const upstream = fakeUpstream(clock, (n) =>
      n === 5 || n === 6 ? tooMany({ "retry-after": "0.5" }) : ok,
    );
    const { settled } = burst(controller, upstream.send, 20);
    await clock.advance(20_000);
    await settled;
    assert.equal(controller.state().throttled, 2);
    assert.equal(controller.state().cuts, 1);
  });

  it("pauses every request until the retry time, then resumes at a pace, not in a burst", async () => {
    const { clock, controller, start } = setup({ initialRate: 20, maxRate: 20 });
    const upstream = fakeUpstream(clock, (n) => (n === 3 ? tooMany({ "retry-after": "2" }) : ok));
    const { settled } = burst(controller, upstream.send, 15);
    await clock.advance(165);
    // Request 3 was sent at +150 ms and answered at +160 ms: paused until +2160 ms.
    const state = controller.state();
    assert.equal(state.pausedUntil, start + 2_160);
    assert.ok(state.waiting > 0);
    await clock.advance(5_000);
    await settled;
    const during = upstream.sent.filter((s) => s.at > start + 160 && s.at < start + 2_160);
    assert.deepEqual(during, []);
    const after = upstream.sent.filter((s) => s.at >= start + 2_160).map((s) => s.at);
    assert.ok(after.length >= 10);
    // The backlog leaves at the (cut) pace, never faster than 20/s, the first send at a jittered
    // point of the first interval.
    assert.ok((after[0] ?? 0) > start + 2_160);
    for (const gap of gaps(after)) assert.ok(gap >= 50, `gap ${gap} ms`);
  });

  it("waits for the [N] seconds in the Genesys message when Retry-After is missing", async () => {
    const { clock, controller, start } = setup({ initialRate: 10, maxRate: 10 });
    const message = JSON.stringify({
      message: "Rate limit exceeded the maximum. Retry the request in [3] seconds",
    });
    const upstream = fakeUpstream(clock, (n) => (n === 0 ? tooMany({}, message) : ok));
    const done = controller.run("live", upstream.send("x"));
    await clock.advance(11);
    assert.equal(controller.state().pausedUntil, start + 3_010);
    await clock.advance(4_000);
    await done;
    assert.ok((upstream.sent[1]?.at ?? 0) >= start + 3_010);
  });

  for (const [form, headers] of [
    ["Retry-After: 0", { "retry-after": "0" }],
    ["no retry time at all", {}],
  ] as const) {
    it(`falls back to a growing, jittered wait on ${form}, never a tight loop`, async () => {
      const { clock, controller } = setup({ initialRate: 50, maxThrottledAttempts: 5 });
      const upstream = fakeUpstream(clock, () => tooMany(headers));
      let error: unknown;
      const done = controller.run("bulk", upstream.send("x")).catch((e: unknown) => (error = e));
      await clock.advance(120_000);
      await done;
      assert.ok(error instanceof ThrottledError);
      assert.equal(upstream.sent.length, 5);
      // Each gap: the 10 ms answer, the wait, and the first send's jitter (half an interval at the
      // cut rate of 35/s, 0.7 × 50 leaving slow start). random() = 0.5 takes the middle of the ±20% jitter of the wait itself:
      // 1 s, doubling while the 429s repeat.
      const waits = gaps(upstream.sent.map((s) => s.at)).map((gap) => Math.round(gap - 10 - 500 / 22.5));
      assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000]);
    });
  }

  it("waits for the window end the headers told when a 429 gives no retry time", async () => {
    const { clock, controller, start } = setup({ initialRate: 10, maxRate: 10 });
    const headers = (count: number) => ({
      "inin-ratelimit-allowed": "100",
      "inin-ratelimit-count": String(count),
      "inin-ratelimit-reset": "20",
    });
    const upstream = fakeUpstream(clock, (n) => (n === 0 ? { ...ok, headers: headers(1) } : tooMany()));
    const first = controller.run("live", upstream.send("a"));
    await clock.advance(50);
    await first;
    const second = controller.run("live", upstream.send("b")).catch(() => undefined);
    await clock.advance(200);
    // The first answer (at +10 ms) said the window resets 20 s later: no sooner than +20010 ms.
    assert.equal(controller.state().pausedUntil, start + 20_010);
    controller.close();
    await second;
  });

  it("throws ThrottledError after maxThrottledAttempts, with a time to retry", async () => {
    const { clock, controller, start } = setup({ initialRate: 10, maxThrottledAttempts: 3 });
    const upstream = fakeUpstream(clock, () => tooMany({ "retry-after": "1" }));
    let error: unknown;
    const done = controller.run("bulk", upstream.send("x")).catch((e: unknown) => (error = e));
    await clock.advance(5_000);
    await done;
    assert.ok(error instanceof ThrottledError);
    assert.ok((error.retryAt ?? 0) > start);
    assert.equal(upstream.sent.length, 3);
  });
});

describe("rate controller with rate-limit headers", () => {
  /** A fixed window that opens at the first request after the last one ended, as Genesys' does. */
  function windowedUpstream(
    clock: ManualClock,
    allowed: number,
    windowMs: number,
    secondMs: number,
    others = 0,
  ) {
    let start = Number.NEGATIVE_INFINITY;
    let count = 0;
    const stats = { throttled: 0, windows: [] as number[] };
    const answer = (): UpstreamResponse => {
      const now = clock.now();
      if (now >= start + windowMs) {
        start = now;
        count = others; // another consumer of the same client id got there first
        stats.windows.push(0);
      }
      count += 1;
      const headers = {
        "inin-ratelimit-allowed": String(allowed),
        "inin-ratelimit-count": String(count),
        "inin-ratelimit-reset": String(Math.max(1, Math.ceil((start + windowMs - now) / secondMs))),
      };
      if (count > allowed) {
        stats.throttled += 1;
        return tooMany({ ...headers, "retry-after": headers["inin-ratelimit-reset"] });
      }
      stats.windows[stats.windows.length - 1] = (stats.windows.at(-1) ?? 0) + 1;
      return { ...ok, headers };
    };
    return { answer, stats };
  }

  it("slows down before the window runs out instead of meeting a 429", async () => {
    const { clock, controller } = setup({ initialRate: 50 });
    const window = windowedUpstream(clock, 20, 20_000, 1000);
    const upstream = fakeUpstream(clock, window.answer, 20);
    const { settled, results } = burst(controller, upstream.send, 60);
    await clock.advance(100_000);
    await settled;
    assert.equal(results.length, 60);
    assert.ok(results.every((r) => !(r instanceof Error) && r.status === 200));
    assert.equal(window.stats.throttled, 0);
    assert.equal(controller.state().throttled, 0);
    // Without the headers the initial 50/s would have spent the first window in 0.4 s.
    const firstWindow = upstream.sent.filter((s) => s.at < (upstream.sent[0]?.at ?? 0) + 20_000);
    assert.ok(firstWindow.length <= 20, `${firstWindow.length} sends in the first window`);
  });

  it("learns the quota (allowed / window length) from the headers", async () => {
    const { clock, controller } = setup({ initialRate: 50 });
    const window = windowedUpstream(clock, 20, 20_000, 1000);
    const upstream = fakeUpstream(clock, window.answer, 20);
    burst(controller, upstream.send, 60);
    await clock.advance(50_000);
    const learned = controller.state().learnedQuota ?? 0;
    assert.ok(learned >= 0.9 && learned <= 1.2, `learned ${learned}/s, quota 1/s`);
    controller.close();
  });

  it("leaves what another consumer of the quota uses, without 429s", async () => {
    const { clock, controller } = setup({ initialRate: 50 });
    const window = windowedUpstream(clock, 40, 20_000, 1000, 20);
    const upstream = fakeUpstream(clock, window.answer, 20);
    const { settled } = burst(controller, upstream.send, 60);
    await clock.advance(200_000);
    await settled;
    assert.equal(window.stats.throttled, 0);
    assert.ok(window.stats.windows.every((ours) => ours <= 20));
  });

  it("keeps the end of a fixed window for live requests while bulk work holds for the reset", async () => {
    const { clock, controller } = setup({ initialRate: 50 });
    const window = windowedUpstream(clock, 40, 20_000, 1000);
    const upstream = fakeUpstream(clock, window.answer, 20);
    burst(controller, upstream.send, 400, "bulk");
    await clock.advance(45_000); // two windows seen reset whole: the limit is known to be fixed
    const lastBulkSend = () =>
      Math.max(...upstream.sent.filter((s) => s.id.startsWith("bulk")).map((s) => s.at));
    let waited = 0;
    while (clock.now() - lastBulkSend() < 800 && waited < 20_000) {
      await clock.advance(50);
      waited += 50;
    }
    assert.ok(clock.now() - lastBulkSend() >= 800, "bulk work is holding for the window's reset");
    const arrived = clock.now();
    const live = controller.run("live", upstream.send("live0"));
    await clock.advance(150);
    const sent = upstream.sent.find((s) => s.id === "live0");
    assert.ok(sent, "the live request did not wait for the reset");
    assert.ok(sent.at - arrived < 150);
    assert.equal((await live).status, 200);
    assert.equal(window.stats.throttled, 0);
    controller.close();
  });

  it("paces on Okta's X-Rate-Limit-* headers too", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const controller = createRateController({ upstream: "okta", clock, initialRate: 50, random: () => 0.5 });
    let windowEnd = 0;
    let remaining = 0;
    let throttled = 0;
    const upstream = fakeUpstream(clock, () => {
      const now = clock.now();
      if (now >= windowEnd) {
        windowEnd = now + 5_000;
        remaining = 20;
      }
      const headers = {
        "x-rate-limit-limit": "20",
        "x-rate-limit-remaining": String(Math.max(0, remaining - 1)),
        "x-rate-limit-reset": String(Math.ceil(windowEnd / 1000)),
      };
      if (remaining === 0) {
        throttled += 1;
        return tooMany(headers);
      }
      remaining -= 1;
      return { ...ok, headers };
    });
    const { settled } = burst(controller, upstream.send, 50);
    await clock.advance(30_000);
    await settled;
    assert.ok(throttled <= 1, `${throttled} 429s`);
    assert.equal(upstream.sent.length, 50 + throttled);
  });
});

describe("rate controller on failures", () => {
  it("retries 5xx with full-jitter backoff and gives up with UpstreamUnavailableError", async () => {
    const { clock, controller } = setup({
      initialRate: 100,
      maxTransientAttempts: 3,
      backoffBaseMs: 100,
      backoffCapMs: 1_000,
      random: () => 1,
    });
    const upstream = fakeUpstream(clock, () => ({ status: 503, headers: {}, body: "" }));
    let error: unknown;
    const done = controller.run("live", upstream.send("x")).catch((e: unknown) => (error = e));
    await clock.advance(5_000);
    await done;
    assert.ok(error instanceof UpstreamUnavailableError);
    assert.equal(error.upstream, "genesys");
    assert.equal(upstream.sent.length, 3);
    // random() = 1 takes the top of U(0, base·2^n): 100 ms, then 200 ms, after each 10 ms answer.
    assert.deepEqual(gaps(upstream.sent.map((s) => s.at)), [110, 210]);
    assert.equal(controller.state().cuts, 0);
  });

  it("returns the answer once a 5xx clears", async () => {
    const { clock, controller } = setup({ initialRate: 100, backoffBaseMs: 100 });
    const upstream = fakeUpstream(clock, (n) => (n < 2 ? { status: 502, headers: {}, body: "" } : ok));
    const done = controller.run("live", upstream.send("x"));
    await clock.advance(2_000);
    assert.equal((await done).status, 200);
    assert.equal(upstream.sent.length, 3);
  });

  it("treats a network error like a 5xx and counts it as status 0", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { clock, controller } = setup({ initialRate: 100, maxTransientAttempts: 2, metrics });
    const upstream = fakeUpstream(clock, () => new Error("socket hang up"));
    let error: unknown;
    const done = controller.run("live", upstream.send("x")).catch((e: unknown) => (error = e));
    await clock.advance(5_000);
    await done;
    assert.ok(error instanceof UpstreamUnavailableError);
    assert.match(error.message, /socket hang up/);
    const requests = await metrics.upstreamRequests.get();
    assert.deepEqual(
      requests.values.map((v) => [v.labels.status, v.value]),
      [["0", 2]],
    );
  });

  it("returns 4xx other than 429 as it is, without retrying", async () => {
    const { clock, controller } = setup({ initialRate: 100 });
    const notFound = { status: 404, headers: {}, body: '{"status":404}' };
    const upstream = fakeUpstream(clock, () => notFound);
    const done = controller.run("live", upstream.send("x"));
    await clock.advance(100);
    assert.deepEqual(await done, notFound);
    assert.equal(upstream.sent.length, 1);
    assert.equal(controller.state().cuts, 0);
  });
});

describe("rate controller lifecycle", () => {
  it("rejects a waiting request with the abort reason when its signal aborts", async () => {
    const { clock, controller } = setup({ initialRate: 1, maxRate: 1 });
    const upstream = fakeUpstream(clock);
    const first = controller.run("bulk", upstream.send("first"));
    const abort = new AbortController();
    const second = controller.run("bulk", upstream.send("second"), { signal: abort.signal });
    await clock.advance(100);
    abort.abort(new Error("caller gave up"));
    await assert.rejects(second, /caller gave up/);
    await clock.advance(2_000);
    await first;
    assert.deepEqual(
      upstream.sent.map((s) => s.id),
      ["first"],
    );
    assert.equal(controller.state().waiting, 0);
  });

  it("rejects every waiting request on close and stops its timers", async () => {
    const { clock, controller } = setup({ initialRate: 1, maxRate: 1 });
    const upstream = fakeUpstream(clock);
    const runs = [1, 2, 3].map((i) =>
      controller.run("bulk", upstream.send(`r${i}`)).catch((e: unknown) => e),
    );
    await clock.advance(100);
    controller.close();
    const outcomes = await Promise.all(runs);
    assert.equal(upstream.sent.length, 1);
    assert.ok(outcomes.slice(1).every((e) => e instanceof ShuttingDownError));
    assert.equal(clock.pendingSleeps(), 0);
    await assert.rejects(controller.run("live", upstream.send("late")), ShuttingDownError);
  });
});

describe("rate controller visibility", () => {
  it("logs the cut, the pause and the resume, and keeps the metrics", async () => {
    const lines: { level: number; msg: string; upstream?: string }[] = [];
    const log = createLogger({ destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const metrics = createMetrics({ defaultMetrics: false });
    const { clock, controller, start } = setup({ initialRate: 10, maxRate: 10, log, metrics });
    const upstream = fakeUpstream(clock, (n) => (n === 1 ? tooMany({ "retry-after": "3" }) : ok));
    const { settled } = burst(controller, upstream.send, 5);
    await clock.advance(150);
    const paused = await metrics.pausedUntil.get();
    assert.equal(paused.values[0]?.value, (start + 3_110) / 1000);
    await clock.advance(5_000);
    await settled;
    const messages = lines.filter((l) => l.level === 30 && l.upstream === "genesys").map((l) => l.msg);
    assert.ok(messages.includes("rate cut after 429"));
    assert.ok(messages.includes("paused after 429"));
    assert.ok(messages.includes("resumed"));
    assert.ok(messages.length < 10, "a line per change, not per request");
    assert.equal((await metrics.throttled.get()).values[0]?.value, 1);
    assert.equal((await metrics.rateCuts.get()).values[0]?.value, 1);
    assert.equal((await metrics.rate.get()).values[0]?.value, controller.state().rate);
    assert.equal((await metrics.pausedUntil.get()).values[0]?.value, 0);
    assert.equal((await metrics.waiting.get()).values[0]?.value, 0);
    const byStatus = (await metrics.upstreamRequests.get()).values.map((v) => [v.labels.status, v.value]);
    assert.deepEqual(byStatus, [
      ["200", 5],
      ["429", 1],
    ]);
  });
});
