import assert from "./support/assert.ts";
import { test } from "node:test";
import { PermanentError, RetryLaterError } from "../src/errors.ts";
import { retryWithBackoff } from "../src/throttle/backoff.ts";
import { createManualClock } from "./support/manual-clock.ts";

const options = { maxAttempts: 3, baseMs: 100, capMs: 1_000, random: () => 1 };

test("a failure is retried after a doubling full-jitter backoff until an attempt succeeds", async () => {
  const clock = createManualClock();
  const startedAt = clock.now();
  const triedAt: number[] = [];
  const result = retryWithBackoff(
    async (n) => {
      triedAt.push(clock.now() - startedAt);
      if (n < 3) throw new Error(`failure ${n}`);
      return "done";
    },
    { ...options, clock },
  );
  await clock.advance(1_000);
  assert.equal(await result, "done");
  assert.deepEqual(triedAt, [0, 100, 300]);
});

test("a RetryLaterError that names a time is retried at that time, not after the backoff", async () => {
  const clock = createManualClock();
  const startedAt = clock.now();
  const triedAt: number[] = [];
  const result = retryWithBackoff(
    async (n) => {
      triedAt.push(clock.now() - startedAt);
      if (n === 1) throw new RetryLaterError("come back later", startedAt + 700);
      return n;
    },
    { ...options, clock },
  );
  await clock.advance(1_000);
  assert.equal(await result, 2);
  assert.deepEqual(triedAt, [0, 700]);
});

test("the last failure is thrown after maxAttempts, and a failure that is not retryable at once", async () => {
  const clock = createManualClock();
  let tries = 0;
  const exhausted = retryWithBackoff(
    async (n) => {
      tries = n;
      throw new Error(`failure ${n}`);
    },
    { ...options, clock },
  );
  exhausted.catch(() => undefined);
  await clock.advance(10_000);
  await assert.rejects(exhausted, /failure 3/);
  assert.equal(tries, 3);

  let permanentTries = 0;
  await assert.rejects(
    retryWithBackoff(
      async () => {
        permanentTries += 1;
        throw new PermanentError("bad data");
      },
      { ...options, clock, retryable: (error) => !(error instanceof PermanentError) },
    ),
    PermanentError,
  );
  assert.equal(permanentTries, 1);
});

test("an abort stops the wait between attempts", async () => {
  const clock = createManualClock();
  const abort = new AbortController();
  let tries = 0;
  const result = retryWithBackoff(
    async () => {
      tries += 1;
      throw new Error("down");
    },
    { ...options, clock, signal: abort.signal },
  );
  result.catch(() => undefined);
  await clock.advance(0);
  abort.abort(new Error("stopped"));
  await assert.rejects(result, /stopped/);
  assert.equal(tries, 1);
  assert.equal(clock.pendingSleeps(), 0);
});
