import { systemClock, type Clock } from "../clock.ts";
import { ShuttingDownError, ThrottledError, UpstreamUnavailableError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Upstream, UpstreamResponse } from "../upstream-response.ts";
import { AimdRate } from "./aimd-rate.ts";
import { fullJitterBackoffMs } from "./backoff.ts";
import { DeliveryMeter } from "./delivery-meter.ts";
import { FallbackWait } from "./fallback-wait.ts";
import { LaneQueue, type Lane } from "./lane-queue.ts";
import { readQuotaHeaders } from "./quota-headers.ts";
import { QuotaWindow } from "./quota-window.ts";
import { retryDelayMs } from "./retry-after.ts";

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
  /** Length of one "second" in Retry-After and inin-ratelimit-reset (and of the backoff defaults). Default 1000. */
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
/** When the headers give the quota, the AIMD rate becomes a ceiling this far above it: the headers pace. */
const CEILING_OVER_QUOTA = 1.25;
/** In-flight cap = this many times rate × latency, plus 2: concurrency must never be what limits throughput. */
const CONCURRENCY_HEADROOM = 2;
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
  const log = options.log;
  const metrics = options.metrics;

  const queue = new LaneQueue<Waiter>();
  const aimd = new AimdRate({
    initialRate: options.initialRate ?? 5,
    minRate: options.minRate ?? 0.2,
    maxRate,
  });
  const quota = new QuotaWindow();
  const fallback = new FallbackWait(secondMs, random);
  const meter = new DeliveryMeter(clock.now(), secondMs);
  const closing = new AbortController();

  let inFlight = 0;
  let throttled = 0;
  let latencyMs = INITIAL_LATENCY_MS;
  /** Virtual send time of the last request (GCRA): the next may go one interval later. */
  let lastSlot = Number.NEGATIVE_INFINITY;
  let pausedUntil = 0;
  let pausedAt = 0;
  /** When the last pause ended: a 429 for a request sent before it is old news. */
  let resumedAt = Number.NEGATIVE_INFINITY;
  let justResumed = false;
  /** After a pause of guessed length, one request goes alone until one is not answered 429. */
  let probing = false;
  let seeded = false;
  let wake: { at: number; abort: AbortController } | undefined;
  let logged = { rate: aimd.rate, concurrency: 0, quota: 0 };

  const pace = (now: number) => {
    const plan = quota.plan(now, inFlight);
    return {
      rate: Math.max(Math.min(aimd.rate, plan.rate, maxRate), 1e-3),
      holdUntil: plan.holdUntil,
      rateBound: aimd.rate <= plan.rate,
    };
  };

  // Sized from the AIMD rate (not the budget's moment-to-moment pace) so it stays steady.
  const concurrency = () =>
    probing
      ? 1
      : Math.min(
          maxConcurrency,
          Math.ceil((Math.min(aimd.rate, maxRate) * latencyMs * CONCURRENCY_HEADROOM) / 1000) + 2,
        );

  const state = (): RateControllerState => {
    const now = clock.now();
    const learnedQuota = quota.learnedQuota();
    return {
      upstream,
      rate: pace(now).rate,
      concurrency: concurrency(),
      inFlight,
      waiting: queue.size,
      pausedUntil: pausedUntil > now ? pausedUntil : 0,
      throttled,
      cuts: aimd.cuts,
      ...(learnedQuota === undefined ? {} : { learnedQuota }),
    };
  };

  const publish = () => {
    if (metrics === undefined) return;
    const s = state();
    metrics.rate.set({ upstream }, s.rate);
    metrics.concurrency.set({ upstream }, s.concurrency);
    metrics.pausedUntil.set({ upstream }, s.pausedUntil / 1000);
    metrics.waiting.set({ upstream }, s.waiting);
  };

  const logChanges = () => {
    const cap = concurrency();
    const rateMoved = Math.abs(aimd.rate - logged.rate) >= 0.1 * logged.rate;
    const capMoved = Math.abs(cap - logged.concurrency) >= Math.max(2, 0.25 * logged.concurrency);
    if (!rateMoved && !capMoved) return;
    logged = { ...logged, rate: aimd.rate, concurrency: cap };
    log?.info({ upstream, rate: round(aimd.rate), concurrency: cap }, "rate controller pace changed");
  };

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

  const resume = (now: number) => {
    log?.info({ upstream, pausedForMs: Math.round(now - pausedAt), rate: round(aimd.rate) }, "resumed");
    pausedUntil = 0;
    resumedAt = now;
    justResumed = true;
  };

  function pump(): void {
    dispatchReady();
    publish();
  }

  /** Lets waiting requests go as the pause, the header budget, the in-flight cap and the pace allow. */
  function dispatchReady(): void {
    while (!closing.signal.aborted && queue.size > 0) {
      const now = clock.now();
      if (pausedUntil > 0) {
        if (now < pausedUntil) return wakeAt(pausedUntil);
        resume(now);
      }
      const { rate, holdUntil, rateBound } = pace(now);
      if (holdUntil > now) return wakeAt(holdUntil);
      const cap = concurrency();
      if (inFlight >= cap) return; // a completion pumps again
      const interval = 1000 / rate;
      if (justResumed) {
        // The first send after a pause lands at a random point of one interval: replicas that
        // paused on the same 429 window do not all come back in the same millisecond.
        justResumed = false;
        lastSlot = now - interval + random() * interval;
      }
      const due = lastSlot + interval;
      if (due > now) return wakeAt(due);
      // Catching up on a late timer is allowed for one interval at most: no bursts.
      lastSlot = Math.max(due, now - interval);
      const waiter = queue.shift();
      if (waiter === undefined) return;
      inFlight += 1;
      const ticket: Ticket = {
        sentAt: now,
        epoch: aimd.epoch,
        rateAtSend: aimd.rate,
        underDemand: queue.size > 0 || inFlight >= 0.8 * cap,
        rateBound,
        probe: probing,
      };
      meter.sent(now, ticket.underDemand);
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
      publish();
    });

  /** Bookkeeping every answer (or failure) shares; the caller decides what it means, then pumps. */
  const settle = (ticket: Ticket, response: UpstreamResponse | undefined, now: number) => {
    inFlight -= 1;
    latencyMs += 0.2 * (now - ticket.sentAt - latencyMs);
    metrics?.upstreamRequests.inc({ upstream, status: String(response?.status ?? 0) });
    const reading = response && readQuotaHeaders(response.headers, secondMs);
    if (reading === undefined) return;
    quota.observe(reading, ticket.sentAt, now);
    const learned = quota.learnedQuota();
    if (learned === undefined) return;
    if (!seeded) {
      seeded = true;
      aimd.seed(CEILING_OVER_QUOTA * learned);
    }
    if (Math.abs(learned - logged.quota) >= 0.1 * logged.quota) {
      logged = { ...logged, quota: learned };
      log?.info({ upstream, learnedQuota: round(learned), allowed: reading.allowed }, "quota learned");
    }
  };

  const onThrottled = (ticket: Ticket, response: UpstreamResponse, now: number) => {
    throttled += 1;
    metrics?.throttled.inc({ upstream });
    const stale = ticket.sentAt < resumedAt;
    const told = retryDelayMs(response, now, secondMs) ?? 0;
    let until: number;
    let guessed = false;
    if (told > 0) {
      // A request sent before the last pause ended was judged before it: its retry time counts from then.
      until = (stale ? ticket.sentAt : now) + told;
    } else if (stale) {
      until = 0; // its window is the one we already waited out
    } else {
      // 0 or nothing usable: never retry at once. Wait for the window end the headers told, else
      // for a learned wait that grows while 429s repeat; then probe with a single request.
      until = now + (quota.resetInMs(now) ?? fallback.next(now));
      guessed = true;
    }
    if (!ticket.probe && ticket.epoch === aimd.epoch) {
      const from = aimd.rate;
      const measured = meter.cycle(Math.max(until, now));
      aimd.cut(ticket.rateAtSend, quota.active(now) ? undefined : measured);
      metrics?.rateCuts.inc({ upstream });
      logged = { ...logged, rate: aimd.rate };
      log?.info(
        { upstream, from: round(from), to: round(aimd.rate), measured: measured && round(measured) },
        "rate cut after 429",
      );
    }
    if (until > now && until > pausedUntil) {
      if (pausedUntil === 0) {
        log?.info(
          { upstream, pauseMs: Math.round(until - now), retryTimeKnown: !guessed },
          "paused after 429",
        );
      }
      pausedUntil = until;
    }
    probing ||= guessed;
  };

  const onAccepted = (ticket: Ticket, now: number) => {
    meter.accepted(ticket.sentAt);
    if (ticket.probe && probing) {
      probing = false;
      fallback.recovered(now);
    }
    if (ticket.underDemand && ticket.rateBound && !ticket.probe && ticket.epoch === aimd.epoch) {
      aimd.grow(now);
      logChanges();
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
            Math.max(pausedUntil, now + secondMs),
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

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
