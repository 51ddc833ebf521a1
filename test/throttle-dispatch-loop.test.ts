import assert from "./support/assert.ts";
import { describe, it } from "node:test";
import { DispatchLoop, type Pace, type Ticket } from "../src/throttle/dispatch-loop.ts";
import type { Lane } from "../src/lane.ts";
import { createMemoryQuotaState } from "../src/throttle/quota-state.ts";
import { createManualClock } from "./support/manual-clock.ts";

function setup(over: { pace?: Partial<Pace>; cap?: number; credit?: number } = {}) {
  const clock = createManualClock();
  const state = createMemoryQuotaState({ initialRate: 10 });
  let credit = over.credit ?? 0;
  const loop = new DispatchLoop({
    clock,
    random: () => 0.5,
    state,
    pace: () => ({
      rate: 10,
      holdUntil: 0,
      bulkHoldUntil: 0,
      rateBound: true,
      admission: undefined,
      ...over.pace,
    }),
    concurrency: () => over.cap ?? 100,
    probing: () => false,
    resumeIfDue: (now) => state.resumeIfDue(now),
    creditSpeedup: () => (credit >= 1 ? 2 : 1),
    takeCredit: () => void (credit -= 1),
    onPumped: () => {},
  });
  const sent: { id: string; at: number; ticket: Ticket }[] = [];
  const request = (id: string, lane: Lane = "bulk") =>
    loop.acquire(lane, false, undefined).then((ticket) => {
      sent.push({ id, at: clock.now() - start, ticket });
      return ticket;
    });
  const start = clock.now();
  return { clock, state, loop, sent, request, start };
}

describe("dispatch loop", () => {
  it("lets requests go one interval apart at the pace", async () => {
    const { clock, sent, request } = setup();
    for (let i = 0; i < 5; i++) void request(`r${i}`);
    await clock.advance(1_000);
    assert.deepEqual(
      sent.map((s) => s.at),
      [0, 100, 200, 300, 400],
    );
  });

  it("sends live requests before bulk ones", async () => {
    const { clock, sent, request } = setup();
    void request("b0");
    void request("b1");
    void request("l0", "live");
    await clock.advance(1_000);
    assert.deepEqual(
      sent.map((s) => s.id),
      ["b0", "l0", "b1"],
    );
  });

  it("holds everything while the shared state is paused, then resumes at a jittered point", async () => {
    const { clock, state, sent, request, start } = setup();
    state.pause(start + 1_000, start);
    void request("a");
    void request("b");
    await clock.advance(999);
    assert.equal(sent.length, 0);
    await clock.advance(1_000);
    // random() = 0.5: the schedule restarts half an interval after the pause's end.
    assert.deepEqual(
      sent.map((s) => s.at),
      [1_050, 1_150],
    );
  });

  it("spends post-pause credit at twice the pace", async () => {
    const { clock, sent, request } = setup({ credit: 2 });
    for (let i = 0; i < 4; i++) void request(`r${i}`);
    await clock.advance(1_000);
    assert.deepEqual(
      sent.map((s) => s.at),
      [0, 50, 100, 200],
    );
  });

  it("keeps at most the in-flight cap out, and lets the next go when one is released", async () => {
    const { clock, loop, sent, request } = setup({ cap: 2 });
    for (let i = 0; i < 3; i++) void request(`r${i}`);
    await clock.advance(1_000);
    assert.equal(sent.length, 2);
    loop.release(sent[0]!.ticket);
    loop.pump();
    await clock.advance(1);
    assert.equal(sent.length, 3);
  });

  it("holds bulk but not live requests while the window's end is kept for live ones", async () => {
    const clockStart = createManualClock().now();
    const { clock, sent, request } = setup({ pace: { bulkHoldUntil: clockStart + 5_000 } });
    void request("b0");
    void request("l0", "live");
    await clock.advance(1_000);
    assert.deepEqual(
      sent.map((s) => s.id),
      ["l0"],
    );
  });

  it("tags each request with the epoch it was sent in", async () => {
    const { clock, state, sent, request, start } = setup();
    void request("a");
    await clock.advance(10);
    state.cut(0, { rate: 5, knee: 5, at: start, settledUntil: start });
    void request("b");
    await clock.advance(1_000);
    assert.deepEqual(
      sent.map((s) => s.ticket.epoch),
      [0, 1],
    );
  });
});
