import { systemClock, type Clock } from "../clock.ts";
import { ShuttingDownError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Upstream, UpstreamResponse } from "../upstream-response.ts";
import { AnswerHandler } from "./answer-handler.ts";
import { fullJitterBackoffMs } from "./backoff.ts";
import { ControllerTelemetry } from "./controller-telemetry.ts";
import { DispatchLoop, type Pace } from "./dispatch-loop.ts";
import { GrowthPolicy } from "./growth-policy.ts";
import type { Lane } from "../lane.ts";
import { LatencyEstimate } from "./latency-estimate.ts";
import { LimitModel } from "./limit-model.ts";
import { PauseGate } from "./pause-gate.ts";
import { sendWithRetries } from "./send-with-retries.ts";
import { createMemoryQuotaState, type QuotaState, type WindowShape } from "./quota-state.ts";

export interface RateControllerOptions {
  /** Label for logs and metrics. */
  upstream: Upstream;
  clock?: Clock;
  /** Gets an info line when the rate, the in-flight cap or a pause changes; never one per request. */
  log?: Logger;
  metrics?: Metrics;
  random?: () => number;
  /**
   * Requests per second to start from, a hint: slow start grows from it within seconds. Default 3
   * (under Genesys' documented 300/minute).
   */
  initialRate?: number;
  /**
   * A known quota in requests per second (GENESYS_RATE_LIMIT / 60): a ceiling the pace starts at and
   * never exceeds, still verified by 429s. Default: none, the quota is found.
   */
  rateLimit?: number;
  /** Default 0.2/s. */
  minRate?: number;
  /** Default 1000/s. */
  maxRate?: number;
  /** Hard cap on requests in flight. Default 64. */
  maxConcurrency?: number;
  /**
   * The quota's shared state (quota-state.ts): pace, pause, congestion epoch, learned limits.
   * Default: in this process's memory. Replicas on one client id hand in a shared one.
   */
  quotaState?: QuotaState;
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
  /** Still doubling per round of evidence: no 429 and no header has told the quota yet. */
  slowStart: boolean;
  /** The shape of the binding limit, from the headers or the 429s' retry times. */
  windowShape: WindowShape;
  /** The binding limit's sustained rate and burst, learned from 429s, when the headers did not tell it. */
  learnedLimit?: { rate: number; burst: number };
  /** A 429 came while the headers still showed budget: another, tighter limit binds. */
  headersUnderstate: boolean;
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

/**
 * When the headers give the quota, the growth rate becomes a ceiling this far above it: the headers
 * pace, and the growth rate only matters again if 429s come that the headers did not foresee.
 */
const CEILING_OVER_QUOTA = 2;
/** In-flight cap = this many times rate × latency, plus 2: concurrency must never be what limits throughput. */
const CONCURRENCY_HEADROOM = 2;
/** Latency assumed before the first answer (Genesys answers in ~50-200 ms). */
const INITIAL_LATENCY_MS = 250;

/**
 * One controller per upstream quota (one for Genesys' client id, one for Okta's token): every call
 * to that upstream goes through it, so it alone decides how fast the quota is spent. Its parts:
 * - dispatch-loop.ts: lanes (live before bulk), the even pace, the in-flight cap, the pause;
 * - answer-handler.ts: what each answer teaches (429 → pause, estimate, one cut per epoch);
 * - limit-model.ts: the headers' window (an upper bound and a forecast) and the tighter limit
 *   429s reveal, its rate, burst and shape;
 * - growth-policy.ts: slow start per round of evidence, cuts, recovery and a convex probe;
 * - quota-state.ts: the state all of it shares, in memory or (for replicas) elsewhere.
 * Longer than most on purpose: it only wires those parts around one shared state and pace.
 */
export function createRateController(options: RateControllerOptions): RateController {
  const { upstream } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const ceiling = options.rateLimit;
  const maxRate = Math.min(options.maxRate ?? 1000, ceiling ?? Infinity);
  const minRate = Math.min(options.minRate ?? 0.2, maxRate);
  const maxConcurrency = Math.max(1, options.maxConcurrency ?? 64);

  const state =
    options.quotaState ??
    createMemoryQuotaState({
      initialRate: Math.min(ceiling ?? options.initialRate ?? 3, maxRate),
      slowStart: ceiling === undefined,
    });
  const limits = new LimitModel();
  const growth = new GrowthPolicy(state, { minRate, maxRate });
  const pause = new PauseGate(state, random);
  const latency = new LatencyEstimate(INITIAL_LATENCY_MS);
  const telemetry = new ControllerTelemetry(upstream, options.log, options.metrics);
  const answers = new AnswerHandler({
    state,
    limits,
    growth,
    pause,
    latency,
    telemetry,
    ceilingOverQuota: CEILING_OVER_QUOTA,
    maxRate,
  });
  let lastRate = state.read().rate;

  // Every replica's requests in flight spend the window's budget, not only this one's.
  const inFlightSentBefore = (time: number) =>
    loop.inFlightSentBefore(time) + state.othersInFlightSentBefore(time);
  const pace = (now: number): Pace => {
    limits.headers.share(state.headerWindow());
    const plan = limits.plan(now, inFlightSentBefore, latency.leadMs());
    const growthRate = state.read().rate;
    lastRate = Math.max(Math.min(growthRate, plan.rate, maxRate), 1e-3);
    return {
      rate: lastRate,
      holdUntil: plan.holdUntil,
      bulkHoldUntil: plan.bulkHoldUntil ?? 0,
      rateBound: growthRate <= plan.rate,
      admission: plan.admission,
    };
  };

  // Sized from the growth rate (not the budget's moment-to-moment pace) so it stays steady.
  const concurrency = () =>
    pause.probing
      ? 1
      : Math.min(
          maxConcurrency,
          Math.ceil((Math.min(state.read().rate, maxRate) * latency.slowMs() * CONCURRENCY_HEADROOM) / 1000) +
            2,
        );

  const loop: DispatchLoop = new DispatchLoop({
    clock,
    random,
    state,
    pace,
    concurrency,
    probing: () => pause.probing,
    resumeIfDue(now) {
      const pausedAt = pause.pausedAt;
      if (!pause.resumeIfDue(now)) return false;
      limits.resumed(now, now - pausedAt);
      telemetry.resumed(now - pausedAt, state.read().rate);
      return true;
    },
    creditSpeedup: () => limits.creditSpeedup(),
    takeCredit: () => limits.takeCredit(),
    onPumped: () => {
      const pausedUntil = state.read().pausedUntil;
      telemetry.gauges({
        rate: lastRate,
        concurrency: concurrency(),
        pausedUntil: pausedUntil > clock.now() ? pausedUntil / 1000 : 0,
        waiting: loop.waiting,
      });
    },
  });

  const readState = (): RateControllerState => {
    const now = clock.now();
    const s = state.read();
    const learnedQuota = limits.headers.learnedQuota();
    const learned = limits.learnedLimit();
    return {
      upstream,
      rate: pace(now).rate,
      concurrency: concurrency(),
      inFlight: loop.inFlight.size,
      waiting: loop.waiting,
      pausedUntil: s.pausedUntil > now ? s.pausedUntil : 0,
      throttled: answers.throttledCount,
      cuts: s.cuts,
      ...(learnedQuota === undefined ? {} : { learnedQuota }),
      slowStart: s.slowStart,
      windowShape: limits.shape(),
      ...(learned === undefined ? {} : { learnedLimit: { rate: learned.rate, burst: learned.burst } }),
      headersUnderstate: limits.headersUnderstate(),
    };
  };

  const run = sendWithRetries({
    upstream,
    clock,
    loop,
    answers,
    pausedUntil: () => state.read().pausedUntil,
    maxTransientAttempts: Math.max(1, options.maxTransientAttempts ?? 5),
    maxThrottledAttempts: Math.max(1, options.maxThrottledAttempts ?? 10),
    backoffMs: (attempt) =>
      fullJitterBackoffMs(attempt, options.backoffBaseMs ?? 200, options.backoffCapMs ?? 20_000, random),
  });

  return {
    run,
    state: readState,
    close() {
      loop.close(new ShuttingDownError(`${upstream} rate controller closed`));
    },
  };
}
