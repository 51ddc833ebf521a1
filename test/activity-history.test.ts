import assert from "./support/assert.ts";
import { test } from "node:test";
import { createActivityHistory, type ActivityTotals } from "../src/status/activity-history.ts";
import { createManualClock } from "./support/manual-clock.ts";

test("activity lands in the bucket of the time it was sampled, and old buckets fall off the ring", async () => {
  const clock = createManualClock(1_000_000);
  const totals: ActivityTotals = { writes: 0, requests: 0, throttled: 0 };
  const history = createActivityHistory({
    clock,
    bucketMs: 10_000,
    buckets: 3,
    sampleMs: 60_000,
    read: () => totals,
  });
  try {
    await history.sample();
    totals.writes = 4;
    totals.requests = 6;
    totals.throttled = 1;
    await history.sample();
    await clock.advance(10_000);
    totals.writes = 5;
    totals.requests = 7;
    await history.sample();

    assert.deepEqual(history.buckets(), [
      { start: 990_000, writes: 0, requests: 0, throttled: 0 },
      { start: 1_000_000, writes: 4, requests: 6, throttled: 1 },
      { start: 1_010_000, writes: 1, requests: 1, throttled: 0 },
    ]);
    assert.deepEqual(history.totals(), { writes: 5, requests: 7, throttled: 1 });

    await clock.advance(30_000);
    totals.writes = 9;
    await history.sample();
    assert.deepEqual(
      history.buckets().map((b) => [b.start, b.writes]),
      [
        [1_020_000, 0],
        [1_030_000, 0],
        [1_040_000, 4],
      ],
      "three buckets kept, whatever time passed",
    );
  } finally {
    history.close();
  }
});
