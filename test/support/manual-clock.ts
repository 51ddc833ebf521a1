import type { Clock } from "../../src/clock.ts";

export interface ManualClock extends Clock {
  /** Moves time forward, waking sleepers one by one in due order and letting each react before the next. */
  advance(ms: number): Promise<void>;
  /** Sleepers not yet woken (a test can assert that nothing is left spinning). */
  pendingSleeps(): number;
}

interface Sleeper {
  due: number;
  order: number;
  wake: () => void;
}

/** Lets every promise chain started by a wake-up run to its next real wait before time moves on. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock for tests: time stands still until `advance` moves it, so rules about seconds can be
 * checked exactly and without waiting. Sleeps due at the same time wake in the order they began.
 */
export function createManualClock(startMs = 1_700_000_000_000): ManualClock {
  let now = startMs;
  let order = 0;
  const sleepers: Sleeper[] = [];

  const remove = (sleeper: Sleeper) => {
    const index = sleepers.indexOf(sleeper);
    if (index >= 0) sleepers.splice(index, 1);
  };

  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => {
          remove(sleeper);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          due: now + Math.max(0, ms),
          order: order++,
          wake: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        sleepers.push(sleeper);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    async advance(ms) {
      const target = now + Math.max(0, ms);
      for (;;) {
        await settle();
        let next: Sleeper | undefined;
        for (const sleeper of sleepers) {
          if (sleeper.due > target) continue;
          if (!next || sleeper.due < next.due || (sleeper.due === next.due && sleeper.order < next.order)) {
            next = sleeper;
          }
        }
        if (!next) break;
        remove(next);
        now = Math.max(now, next.due);
        next.wake();
      }
      now = target;
      await settle();
    },
    pendingSleeps: () => sleepers.length,
  };
}
