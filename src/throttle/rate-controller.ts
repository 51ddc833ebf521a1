import { systemClock, type Clock } from "../clock.ts";
import { ShuttingDownError, ThrottledError, UpstreamUnavailableError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Upstream, UpstreamResponse } from "../upstream-response.ts";
import { AimdRate } from "./aimd-rate.ts";
import { fullJitterBackoffMs } from "./backoff.ts";
import { ControllerTelemetry } from "./controller-telemetry.ts";
import { LaneQueue, type Lane } from "./lane-queue.ts";
import { LatencyEstimate } from "./latency-estimate.ts";
import { PauseGate } from "./pause-gate.ts";
import { readQuotaHeaders } from "./quota-headers.ts";
import { QuotaWindow } from "./quota-window.ts";

export type { Lane };

export interface RateControllerOptions {
  /** Label for logs and metrics. */
  upstream: Upstream;
  clock?: Clock;
  /** Gets an info line when the rate, the in-flight cap or a pause changes; never one per request. */
  log?: Logger;
  metrics?: Metrics;
  random?: () => number;
  /** Requests per second before anything is learned. Default 5 (Genesys' documented 300/minute). */
  initialRate?: number;
  /** Default 0.2/s. */
  minRate?: number;
  /** Default 1000/s. */
  maxRate?: number;
  /** Hard cap on requests in flight. Default 64. */
  maxConcurrency?: number;
  /**
   * Length of one "second" in Retry-After and inin-ratelimit-reset, default 1000. It also scales the
   * backoff defaults and the quota window assumed until headers tell (60 of them: Genesys and Okta
   * count per minute), so a test or a benchmark can run an upstream's minute in a few seconds.
   */
  secondMs?: number;
  /** Sends that may meet a 5xx or a network error before run() throws UpstreamUnavailableError. Default 5. */
  maxTransientAttempts?: number;
  /** 429s one request may meet before run() throws ThrottledError. Default 10. */
  maxThrottledAttempts?: number;
  /** Full-jitter backoff after a 5xx or network error. Defaults 0.2 and 20 seconds. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export interface RateControllerState {
  upstream: Upstream;
  /** Requests per second allowed right now. */
  rate: number;
  /** Requests allowed in flight right now. */
  concurrency: number;
  inFlight: number;
  waiting: number;
  /** Epoch ms until which every request is held after a 429; 0 = not paused. */
  pausedUntil: number;
  /** 429s seen. */
  throttled: number;
  /** Multiplicative decreases (at most one per congestion epoch). */
  cuts: number;
  /** Requests per second the quota allows, learned from the rate-limit headers. */
  learnedQuota?: number;
}

export interface RateController {
  /**
   * Waits for permission (live before bulk, FIFO within a lane, a request re-queued after a 429 or
   * a 5xx at the front of its lane), calls `send` and handles the answer:
   * - 429: one congestion signal per epoch, a pause of the whole controller until the retry time,
   *   then this request again; after `maxThrottledAttempts` 429s it throws ThrottledError.
   * - 500/502/503/504 or `send` throwing: full-jitter backoff, re-queued; after
   *   `maxTransientAttempts` it throws UpstreamUnavailableError.
   * - anything else (2xx, 3xx, other 4xx) is returned as it is.
   * `signal` aborts the waiting (rejects with its reason); close() rejects with ShuttingDownError.
   */
  run(
    lane: Lane,
    send: () => Promise<UpstreamResponse>,
    options?: { signal?: AbortSignal },
  ): Promise<UpstreamResponse>;
  state(): RateControllerState;
  /** Rejects every waiting request and stops the timers. */
  close(): void;
}

const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
/** Genesys (and Okta) count requests per minute: the window assumed until headers tell otherwise. */
const WINDOW_SECONDS = 60;
/**
 * When the headers give the quota, the AIMD rate becomes a ceiling this far above it: the headers
 * pace (a window's allowance may be spent at twice the quota, see quota-window.ts), and the AIMD
 * rate only matters again if 429s come that the headers did not foresee.
 */
const CEILING_OVER_QUOTA = 2;
/** In-flight cap = this many times rate × latency, plus 2: concurrency must never be what limits throughput. */
const CONCURRENCY_HEADROOM = 2;
/** How far a late timer may be caught up: this many intervals, at most this long. */
const CATCH_UP_INTERVALS = 4;
const CATCH_UP_MS = 20;
/** Latency assumed before the first answer (Genesys answers in ~50-200 ms). */
const INITIAL_LATENCY_MS = 250;

interface Ticket {
  sentAt: number;
  /** The congestion epoch at send time: a 429 from an older epoch was already answered by a cut. */
  epoch: number;
  /** The AIMD rate at send time: a cut starts from it. */
  rateAtSend: number;
  /** Others were waiting, or the in-flight cap was nearly reached: a success says the rate could grow. */
  underDemand: boolean;
  /** The AIMD rate, not the header budget, was what held requests back. */
  rateBound: boolean;
  /** Sent alone after a pause whose length was a guess. */
  probe: boolean;
}

interface Waiter {
  grant(ticket: Ticket): void;
  refuse(reason: unknown): void;
}

/**
 * One controller per upstream quota (one for Genesys' client id, one for Okta's token): every call
 * to that upstream goes through it, so it alone decides how fast the quota is spent.
 *
 * - Pace: requests leave one interval apart (virtual scheduling, GCRA) at the lower of the AIMD
 *   rate and what the rate-limit headers' budget allows, never more in flight than rate × latency
 *   with headroom (and `maxConcurrency`). Live before bulk.
 * - Headers (quota-window.ts): the window's budget, less what is in flight and a small reserve, is
 *   spent at up to twice the quota, then sends hold until the window (or, for a rolling limit, a
 *   slot) frees. The count includes other consumers of the client id, so a shared quota is shared.
 * - AIMD (aimd-rate.ts): slow start, then one multiplicative cut per congestion epoch, landing on
 *   what the upstream accepted in the window that ran out; growth only under demand.
 * - 429 (pause-gate.ts): the whole controller pauses until the retry time, however it was given,
 *   or a learned, growing wait when none was; then it resumes at the pace, jittered, not in a burst.
 */
export function createRateController(options: RateControllerOptions): RateController {
  const { upstream } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const secondMs = options.secondMs ?? 1000;
  const maxRate = options.maxRate ?? 1000;
  const maxConcurrency = Math.max(1, options.maxConcurrency ?? 64);
  const maxTransientAttempts = Math.max(1, options.maxTransientAttempts ?? 5);
  const maxThrottledAttempts = Math.max(1, options.maxThrottledAttempts ?? 10);
  const backoffBaseMs = options.backoffBaseMs ?? secondMs / 5;
  const backoffCapMs = options.backoffCapMs ?? 20 * secondMs;

  const queue = new LaneQueue<Waiter>();
  const aimd = new AimdRate({
    initialRate: options.initialRate ?? 5,
    minRate: options.minRate ?? 0.2,
    maxRate,
    windowMs: WINDOW_SECONDS * secondMs,
  });
  const quota = new QuotaWindow();
  const pause = new PauseGate(secondMs, random);
  const latency = new LatencyEstimate(INITIAL_LATENCY_MS);
  const telemetry = new ControllerTelemetry(upstream, options.log, options.metrics);
  const closing = new AbortController();
  const inFlight = new Set<Ticket>();
  let throttled = 0;
  let seeded = false;
  /** Virtual send time of the last request (GCRA): the next may go one interval later. */
  let lastSlot = Number.NEGATIVE_INFINITY;
  let justResumed = false;
  /** Requests were left waiting at the last send: a late next send is lag to catch up, not idleness. */
  let backlogged = false;
  let wake: { at: number; abort: AbortController } | undefined;
  let lastPlanRate = Infinity;

  const inFlightSentBefore = (time: number) => {
    let sentBefore = 0;
    for (const ticket of inFlight) if (ticket.sentAt < time) sentBefore += 1;
    return sentBefore;
  };

  const effectiveRate = (planRate: number) => Math.max(Math.min(aimd.rate, planRate, maxRate), 1e-3);

  const pace = (now: number) => {
    const plan = quota.plan(now, inFlightSentBefore, latency.leadMs());
    lastPlanRate = plan.rate;
    return {
      rate: effectiveRate(plan.rate),
      holdUntil: plan.holdUntil,
      bulkHoldUntil: plan.bulkHoldUntil ?? 0,
      rateBound: aimd.rate <= plan.rate,
    };
  };

  // Sized from the AIMD rate (not the budget's moment-to-moment pace) so it stays steady.
  const concurrency = () =>
    pause.probing
      ? 1
      : Math.min(
          maxConcurrency,
          Math.ceil((Math.min(aimd.rate, maxRate) * latency.slowMs() * CONCURRENCY_HEADROOM) / 1000) + 2,
        );

  const state = (): RateControllerState => {
    const now = clock.now();
    const learnedQuota = quota.learnedQuota();
    return {
      upstream,
      rate: pace(now).rate,
      concurrency: concurrency(),
      inFlight: inFlight.size,
      waiting: queue.size,
      pausedUntil: pause.pausedUntil > now ? pause.pausedUntil : 0,
      throttled,
      cuts: aimd.cuts,
      ...(learnedQuota === undefined ? {} : { learnedQuota }),
    };
  };

  const publish = () =>
    telemetry.gauges({
      rate: effectiveRate(lastPlanRate),
      concurrency: concurrency(),
      pausedUntil: pause.pausedUntil > clock.now() ? pause.pausedUntil / 1000 : 0,
      waiting: queue.size,
    });

  const wakeAt = (at: number) => {
    if (wake !== undefined && wake.at <= at) return;
    wake?.abort.abort();
    const abort = new AbortController();
    wake = { at, abort };
    clock.sleep(at - clock.now(), abort.signal).then(
      () => {
        if (wake?.abort === abort) wake = undefined;
        pump();
      },
      () => {},
    );
  };

  function pump(): void {
    dispatchReady();
    publish();
  }

  /** Lets waiting requests go as the pause, the header budget, the in-flight cap and the pace allow. */
  function dispatchReady(): void {
    while (!closing.signal.aborted && queue.size > 0) {
      const now = clock.now();
      if (pause.pausedUntil > now) return wakeAt(pause.pausedUntil);
      const pausedAt = pause.pausedAt;
      if (pause.resumeIfDue(now)) {
        telemetry.resumed(now - pausedAt, aimd.rate);
        justResumed = true;
      }
      const { rate, holdUntil, bulkHoldUntil, rateBound } = pace(now);
      if (holdUntil > now) return wakeAt(holdUntil);
      if (bulkHoldUntil > now && queue.headLane() === "bulk") return wakeAt(bulkHoldUntil);
      const cap = concurrency();
      if (inFlight.size >= cap) return; // a completion pumps again
      const interval = 1000 / rate;
      if (justResumed) {
        // The first send after a pause lands at a random point of one interval: replicas that
        // paused on the same 429 window do not all come back in the same millisecond.
        justResumed = false;
        lastSlot = now - interval + random() * interval;
      }
      const due = lastSlot + interval;
      if (due > now) return wakeAt(due);
      // While a backlog waits, a late timer (a busy event loop, at a few ms per interval) keeps the
      // schedule, so the rate holds, by letting a few requests catch up; after a quiet spell the
      // schedule restarts from now, so new demand never leaves in a burst.
      const tolerance = backlogged
        ? Math.max(interval, Math.min(CATCH_UP_MS, CATCH_UP_INTERVALS * interval))
        : 0;
      lastSlot = Math.max(due, now - tolerance);
      const waiter = queue.shift();
      if (waiter === undefined) return;
      const ticket: Ticket = {
        sentAt: now,
        epoch: aimd.epoch,
        rateAtSend: aimd.rate,
        underDemand: queue.size > 0 || inFlight.size + 1 >= 0.8 * cap,
        rateBound,
        probe: pause.probing,
      };
      inFlight.add(ticket);
      backlogged = queue.size > 0;
      waiter.grant(ticket);
    }
  }

  const acquire = (lane: Lane, front: boolean, signal: AbortSignal | undefined) =>
    new Promise<Ticket>((resolve, reject) => {
      if (closing.signal.aborted) return reject(closing.signal.reason);
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        if (queue.remove(waiter)) waiter.refuse(signal?.reason);
        publish();
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
      queue.push(lane, waiter, front);
      pump();
    });

  /** Bookkeeping every answer (or failure) shares; the caller decides what it means, then pumps. */
  const settle = (ticket: Ticket, response: UpstreamResponse | undefined, now: number) => {
    inFlight.delete(ticket);
    latency.sample(now - ticket.sentAt);
    telemetry.answered(response?.status ?? 0);
    const reading = response && readQuotaHeaders(response.headers, secondMs);
    if (reading === undefined) return;
    quota.observe(reading, ticket.sentAt, now, latency.slowMs());
    const learned = quota.learnedQuota();
    if (learned === undefined) return;
    if (!seeded) {
      seeded = true;
      aimd.seed(CEILING_OVER_QUOTA * learned);
    }
    telemetry.quota(learned, reading.allowed);
  };

  const onThrottled = (ticket: Ticket, response: UpstreamResponse, now: number) => {
    throttled += 1;
    telemetry.throttled();
    const change = pause.throttled(response, ticket.sentAt, now, quota.resetInMs(now));
    const from = aimd.rate;
    // A probe after a guessed pause only says the guess was short; when headers pace, what was
    // accepted is the share they allowed, not the quota (see AimdRate.cut).
    const windowLeftMs = quota.described() ? undefined : change.guessed ? 0 : change.until - now;
    if (!ticket.probe && aimd.throttled(now, ticket.epoch, ticket.rateAtSend, windowLeftMs)) {
      telemetry.cut(from, aimd.rate, aimd.knee);
    }
    if (change.started) telemetry.paused(change.until - now, !change.guessed);
  };

  const onAccepted = (ticket: Ticket, now: number) => {
    aimd.accept(now);
    if (ticket.probe) pause.probed(now);
    if (ticket.underDemand && ticket.rateBound && !ticket.probe && ticket.epoch === aimd.epoch) {
      aimd.grow(now);
      telemetry.pace(now, aimd.rate, concurrency());
    }
  };

  const backoff = (attempt: number, signal: AbortSignal | undefined) =>
    clock.sleep(
      fullJitterBackoffMs(attempt, backoffBaseMs, backoffCapMs, random),
      signal === undefined ? closing.signal : AbortSignal.any([signal, closing.signal]),
    );

  async function run(
    lane: Lane,
    send: () => Promise<UpstreamResponse>,
    runOptions: { signal?: AbortSignal } = {},
  ): Promise<UpstreamResponse> {
    const { signal } = runOptions;
    let throttledAttempts = 0;
    let transientAttempts = 0;
    let front = false;
    for (;;) {
      const ticket = await acquire(lane, front, signal);
      front = true;
      let response: UpstreamResponse;
      try {
        response = await send();
      } catch (error) {
        settle(ticket, undefined, clock.now());
        pump();
        transientAttempts += 1;
        if (transientAttempts >= maxTransientAttempts) {
          throw new UpstreamUnavailableError(
            upstream,
            `${upstream} request failed ${transientAttempts} times, last: ${describe(error)}`,
          );
        }
        await backoff(transientAttempts - 1, signal);
        continue;
      }
      const now = clock.now();
      settle(ticket, response, now);
      if (response.status === 429) {
        onThrottled(ticket, response, now);
        pump();
        throttledAttempts += 1;
        if (throttledAttempts >= maxThrottledAttempts) {
          throw new ThrottledError(
            `${upstream} answered 429 to ${throttledAttempts} attempts of one request`,
            Math.max(pause.pausedUntil, now + secondMs),
          );
        }
        continue;
      }
      if (TRANSIENT_STATUSES.has(response.status)) {
        pump();
        transientAttempts += 1;
        if (transientAttempts >= maxTransientAttempts) {
          throw new UpstreamUnavailableError(
            upstream,
            `${upstream} answered ${response.status} to ${transientAttempts} attempts`,
          );
        }
        await backoff(transientAttempts - 1, signal);
        continue;
      }
      onAccepted(ticket, now);
      pump();
      return response;
    }
  }

  return {
    run,
    state,
    close() {
      if (closing.signal.aborted) return;
      closing.abort(new ShuttingDownError(`${upstream} rate controller closed`));
      wake?.abort.abort();
      wake = undefined;
      for (const waiter of queue.drain()) waiter.refuse(closing.signal.reason);
      publish();
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
