import assert from "./assert.ts";
import { describe, it } from "node:test";
import type { QuotaState } from "../../src/throttle/quota-state.ts";

/**
 * The behaviour every QuotaState must show, written once: the in-memory state runs it, and a
 * shared one (Redis, for replicas on one client id) proves itself by running the same suite.
 * `create` gets the initial rate and returns a fresh, isolated state (a unique key prefix).
 */
export function quotaStateContract(name: string, create: (initialRate: number) => Promise<QuotaState>): void {
  const t0 = 1_700_000_000_000;

  describe(`${name} quota state`, () => {
    it("starts in slow start at the initial rate, unpaused, in epoch 0", async () => {
      const s = (await create(3)).read();
      assert.equal(s.rate, 3);
      assert.equal(s.slowStart, true);
      assert.equal(s.epoch, 0);
      assert.equal(s.pausedUntil, 0);
      assert.equal(s.limit, undefined);
    });

    it("lets only the first of several cuts from one epoch through, and drops older growth", async () => {
      const state = await create(100);
      const cut = { rate: 50, knee: 60, at: t0, settledUntil: t0 + 1_000 };
      assert.equal(state.cut(0, cut), true);
      assert.equal(state.cut(0, { ...cut, rate: 10 }), false);
      assert.equal(state.grow(0, 500, false), false);
      const s = state.read();
      assert.deepEqual([s.rate, s.knee, s.epoch, s.cuts, s.slowStart], [50, 60, 1, 1, false]);
      assert.equal(state.grow(1, 55, false), true);
      assert.equal(state.read().rate, 55);
    });

    it("ignores a cut decided while the last one is still settling", async () => {
      const state = await create(100);
      state.cut(0, { rate: 50, knee: 60, at: t0, settledUntil: t0 + 1_000 });
      assert.equal(state.cut(1, { rate: 20, knee: 20, at: t0 + 500, settledUntil: t0 + 1_500 }), false);
      assert.equal(state.cut(1, { rate: 40, knee: 45, at: t0 + 1_000, settledUntil: t0 + 2_000 }), true);
      assert.equal(state.read().rate, 40);
    });

    it("keeps a learned limit with the cut that learned it", async () => {
      const state = await create(100);
      const limit = { rate: 98, burst: 90, shape: "per-second" as const };
      state.cut(0, { rate: 88, knee: 95, at: t0, settledUntil: t0 + 1_000, limit });
      assert.deepEqual(state.read().limit, limit);
    });

    it("only extends a pause, starts it once and ends it once when due", async () => {
      const state = await create(10);
      assert.equal(state.pause(t0 + 1_000, t0), true);
      assert.equal(state.pause(t0 + 500, t0 + 10), false);
      assert.equal(state.pause(t0 + 2_000, t0 + 20), false);
      assert.deepEqual([state.read().pausedUntil, state.read().pausedAt], [t0 + 2_000, t0]);
      assert.equal(state.resumeIfDue(t0 + 1_999), false);
      assert.equal(state.resumeIfDue(t0 + 2_000), true);
      assert.equal(state.resumeIfDue(t0 + 2_001), false);
      assert.equal(state.read().pausedUntil, 0);
    });

    it("seeding ends slow start and opens a new epoch", async () => {
      const state = await create(3);
      state.seed(200, 100, t0);
      const s = state.read();
      assert.deepEqual([s.rate, s.knee, s.slowStart, s.epoch], [200, 100, false, 1]);
    });

    it("hands out send slots one interval apart, to every caller together", async () => {
      const state = await create(10);
      assert.equal(state.takeSlot(t0, 100, 0), t0);
      assert.equal(state.takeSlot(t0 + 40, 100, 0), t0 + 100);
      assert.equal(state.takeSlot(t0 + 100, 100, 0), t0 + 100);
      assert.equal(state.takeSlot(t0 + 150, 100, 0), t0 + 200);
      // A late caller within the tolerance keeps the schedule rather than losing the time.
      assert.equal(state.takeSlot(t0 + 260, 100, 100), t0 + 260);
      assert.equal(state.takeSlot(t0 + 300, 100, 100), t0 + 300);
      state.restartSlots(t0 + 1_000);
      assert.equal(state.takeSlot(t0 + 400, 100, 0), t0 + 1_000);
    });

    it("admits a send only while the headers' budget, less the requests in flight, has room", async () => {
      const state = await create(10);
      const end = { endLo: t0 + 900, endHi: t0 + 1_000 };
      const admission = { allowed: 10, used: 7, readAt: Infinity, reserve: 1, cutoff: t0 + 1_000, ...end };
      assert.equal(await state.send("a", t0, admission), true);
      assert.equal(await state.send("b", t0 + 1, admission), true);
      assert.equal(await state.send("c", t0 + 2, admission), false, "10 − 7 − 1 − 2 in flight < 1");
      state.landed("a", undefined);
      // A send no header budget binds still counts as in flight.
      assert.equal(await state.send("d", t0 + 3, undefined), true);
      assert.equal(await state.send("e", t0 + 4, admission), false, "b and d are in flight");
      state.landed("b", undefined);
      state.landed("d", undefined);
      assert.equal(await state.send("f", t0 + 5, admission), true);
      // Requests sent after the cutoff land in the next window: they do not spend this one.
      assert.equal(await state.send("g", t0 + 1_200, undefined), true);
      assert.equal(await state.send("h", t0 + 6, admission), true);
    });

    it("raises the window's count from every answer of the same window, and takes a later window whole", async () => {
      const state = await create(10);
      const end = { endLo: t0 + 900, endHi: t0 + 1_000 };
      state.landed("a", { allowed: 10, used: 7, ...end, at: t0 });
      state.landed("b", { allowed: 10, used: 5, endLo: t0 + 950, endHi: t0 + 1_100, at: t0 + 50 });
      assert.deepEqual(state.headerWindow(), {
        allowed: 10,
        used: 7,
        endLo: t0 + 950,
        endHi: t0 + 1_000,
        at: t0 + 50,
      });
      // The sender's own count is lower than the window's: the higher one decides.
      const admission = { allowed: 10, used: 1, readAt: Infinity, reserve: 1, cutoff: t0 + 1_000, ...end };
      assert.equal(await state.send("c", t0, admission), true);
      assert.equal(await state.send("d", t0, admission), true);
      assert.equal(await state.send("e", t0, admission), false, "10 − 7 − 1 − 2 in flight < 1");
      state.landed("c", { allowed: 10, used: 2, endLo: t0 + 1_900, endHi: t0 + 2_000, at: t0 + 1_010 });
      assert.deepEqual(state.headerWindow(), {
        allowed: 10,
        used: 2,
        endLo: t0 + 1_900,
        endHi: t0 + 2_000,
        at: t0 + 1_010,
      });
    });

    it("holds a sender whose count was read before the shared one to the newer count, whatever window it names", async () => {
      const state = await create(10);
      state.landed("a", { allowed: 10, used: 9, endLo: t0 + 900, endHi: t0 + 1_000, at: t0 + 100 });
      // A rolling limit's count ages, so its admission names no window: only the reading's time.
      const rolling = {
        allowed: 10,
        used: 2,
        reserve: 1,
        cutoff: Infinity,
        endLo: Infinity,
        endHi: -Infinity,
      };
      assert.equal(
        await state.send("b", t0 + 110, { ...rolling, readAt: t0 + 100 }),
        true,
        "its own count, as new",
      );
      state.landed("b", undefined);
      assert.equal(await state.send("c", t0 + 120, { ...rolling, readAt: t0 + 50 }), false, "10 − 9 − 1 < 1");
    });
  });
}
