import type { Clock } from "../clock.ts";
import type { Lane } from "../lane.ts";
import type { Admission } from "./header-budget.ts";
import { LaneQueue } from "./lane-queue.ts";
import type { QuotaState } from "./quota-state.ts";

/** What the limits allow at one moment (see rate-controller.ts for how it is made). */
export interface Pace {
  /** Requests per second to send at now. */
  rate: number;
  /** Hold every send until this epoch ms (a header window spent; 0 = not holding). */
  holdUntil: number;
  /** Hold bulk sends until this epoch ms (the window's end is kept for live requests). */
  bulkHoldUntil: number;
  /** The growth rate, not the headers' budget, is what holds sends back: success says it could grow. */
  rateBound: boolean;
  /** The headers' budget a send is checked against among all replicas; undefined when it does not bind. */
  admission: Admission | undefined;
}

/** Handed to each request let through: what its answer is judged against. */
export interface Ticket {
  /** Names the request in the quota state's in-flight count until its answer lands. */
  id: string;
  sentAt: number;
  /** The congestion epoch at send time: a 429 from an older epoch was already answered by a cut. */
  epoch: number;
  /** The pace at send time: a cut starts from it. */
  rateAtSend: number;
  /** Others were waiting, or the in-flight cap was nearly reached: a success says the rate could grow. */
  underDemand: boolean;
  rateBound: boolean;
  /** Sent alone after a pause whose length was a guess. */
  probe: boolean;
}

export interface DispatchLoopOptions {
  clock: Clock;
  random: () => number;
  state: QuotaState;
  pace(now: number): Pace;
  concurrency(): number;
  /** A single probe goes first after a guessed pause. */
  probing(): boolean;
  /** Ends the pause if due; true when it just did (the loop then restarts its schedule, jittered). */
  resumeIfDue(now: number): boolean;
  /** Post-pause credit (the limit refilled during the pause): how many times faster the next may go, 1 = none. */
  creditSpeedup(): number;
  takeCredit(): void;
  /** After every pass: gauges. */
  onPumped(): void;
}

/**
 * How far a late timer may be caught up: this many intervals, at most this long. On a busy machine
 * timers fire tens of milliseconds late; a pace that drops every late slot runs well under the
 * quota it was set to, while a catch-up of a tenth of a second is a burst any limit absorbs.
 */
const CATCH_UP_INTERVALS = 10;
const CATCH_UP_MS = 100;
/**
 * After the shared budget refused a send the local plan allowed (another replica took the last of
 * it meanwhile), look again this much later at the soonest: the refusal refreshed the mirror, so
 * the plan usually holds by then, and no replica asks Redis in a tight loop.
 */
const REFUSED_RETRY_MS = 5;

interface Waiter {
  grant(ticket: Ticket): void;
  refuse(reason: unknown): void;
}

/**
 * The dispatch loop: requests wait in two lanes (live before bulk) and leave one interval apart
 * (GCRA's virtual schedule, kept in the QuotaState so replicas share it) while no pause, no header
 * hold and the in-flight cap stop them. A single timer wakes it at the next moment something may go.
 */
export class DispatchLoop {
  readonly inFlight = new Set<Ticket>();
  private readonly queue = new LaneQueue<Waiter>();
  private readonly closing = new AbortController();
  /** Requests were left waiting at the last send: a late next send is lag to catch up, not idleness. */
  private backlogged = false;
  private wake: { at: number; abort: AbortController } | undefined;
  /**
   * Sends waiting for the shared state's admission: they count as in flight, and several may wait
   * at once (one per slot), so a slow round trip to Redis does not slow the pace.
   */
  private readonly admitting = new Set<Ticket>();
  private sent = 0;

  constructor(private readonly o: DispatchLoopOptions) {}

  get waiting(): number {
    return this.queue.size;
  }

  get closed(): AbortSignal {
    return this.closing.signal;
  }

  /** Waits for permission to send; `front` puts a retried request at the head of its lane. */
  acquire(lane: Lane, front: boolean, signal: AbortSignal | undefined): Promise<Ticket> {
    return new Promise<Ticket>((resolve, reject) => {
      if (this.closing.signal.aborted) return reject(this.closing.signal.reason);
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        if (this.queue.remove(waiter)) waiter.refuse(signal?.reason);
        this.o.onPumped();
      };
      const waiter: Waiter = {
        grant: (ticket) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(ticket);
        },
        refuse: (reason) => {
          signal?.removeEventListener("abort", onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(lane, waiter, front);
      this.pump();
    });
  }

  /** An answer came back for `ticket`. */
  release(ticket: Ticket): void {
    this.inFlight.delete(ticket);
  }

  inFlightSentBefore = (time: number): number => {
    let sentBefore = 0;
    for (const ticket of this.inFlight) if (ticket.sentAt < time) sentBefore += 1;
    for (const ticket of this.admitting) if (ticket.sentAt < time) sentBefore += 1;
    return sentBefore;
  };

  pump(): void {
    this.dispatchReady();
    this.o.onPumped();
  }

  close(reason: unknown): void {
    if (this.closing.signal.aborted) return;
    this.closing.abort(reason);
    this.wake?.abort.abort();
    this.wake = undefined;
    for (const waiter of this.queue.drain()) waiter.refuse(reason);
    this.o.onPumped();
  }

  private dispatchReady(): void {
    const { clock, state } = this.o;
    while (!this.closing.signal.aborted && this.queue.size > this.admitting.size) {
      const now = clock.now();
      const { pausedUntil } = state.read();
      if (pausedUntil > now) return this.wakeAt(pausedUntil);
      const { rate, holdUntil, bulkHoldUntil, rateBound, admission } = this.o.pace(now);
      const interval = 1000 / rate;
      // The first send after a pause lands at a random point of one interval: replicas that
      // paused on the same 429 window do not all come back in the same millisecond.
      if (this.o.resumeIfDue(now)) state.restartSlots(now + this.o.random() * interval);
      if (holdUntil > now) return this.wakeAt(holdUntil);
      if (bulkHoldUntil > now && this.queue.headLane() === "bulk") return this.wakeAt(bulkHoldUntil);
      const cap = this.o.concurrency();
      if (this.inFlight.size + this.admitting.size >= cap) return; // a completion pumps again
      // While a backlog waits, a late timer (a busy event loop) keeps the schedule by letting a few
      // requests catch up; after a quiet spell the schedule restarts from now, never in a burst.
      const tolerance = this.backlogged
        ? Math.max(interval, Math.min(CATCH_UP_MS, CATCH_UP_INTERVALS * interval))
        : 0;
      const probe = this.o.probing();
      const speedup = probe ? 1 : this.o.creditSpeedup();
      const credited = speedup > 1;
      const slot = state.takeSlot(now, interval / speedup, tolerance);
      if (slot > now) return this.wakeAt(slot);
      if (credited) this.o.takeCredit();
      const ticket: Ticket = {
        id: String(++this.sent),
        sentAt: now,
        epoch: state.read().epoch,
        rateAtSend: rate,
        underDemand:
          this.queue.size > this.admitting.size + 1 ||
          this.inFlight.size + this.admitting.size + 1 >= 0.8 * cap,
        rateBound,
        probe,
      };
      const admitted = state.send(ticket.id, now, admission);
      if (admitted === false) return this.wakeAt(now + Math.max(REFUSED_RETRY_MS, interval));
      if (admitted !== true) return this.awaitAdmission(ticket, admitted, interval);
      this.grant(ticket);
    }
  }

  /** Hands `ticket` to the first waiter; false when none is left (all gave up meanwhile). */
  private grant(ticket: Ticket): boolean {
    const waiter = this.queue.shift();
    if (waiter === undefined) {
      this.o.state.landed(ticket.id, undefined);
      return false;
    }
    this.inFlight.add(ticket);
    this.backlogged = this.queue.size > 0;
    waiter.grant(ticket);
    return true;
  }

  private awaitAdmission(ticket: Ticket, admitted: Promise<boolean>, interval: number): void {
    this.admitting.add(ticket);
    admitted.then(
      (yes) => {
        this.admitting.delete(ticket);
        if (this.closing.signal.aborted) return this.o.state.landed(ticket.id, undefined);
        if (yes) {
          this.grant(ticket);
          this.pump();
        } else {
          this.wakeAt(this.o.clock.now() + Math.max(REFUSED_RETRY_MS, interval));
        }
      },
      () => {
        this.admitting.delete(ticket);
        this.o.state.landed(ticket.id, undefined);
        this.pump();
      },
    );
  }

  private wakeAt(at: number): void {
    if (this.wake !== undefined && this.wake.at <= at) return;
    this.wake?.abort.abort();
    const abort = new AbortController();
    this.wake = { at, abort };
    this.o.clock.sleep(at - this.o.clock.now(), abort.signal).then(
      () => {
        if (this.wake?.abort === abort) this.wake = undefined;
        this.pump();
      },
      () => {},
    );
  }
}
