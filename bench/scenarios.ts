import { allOf, stepped, tokenBucket, window, type QuotaShape } from "../sim/quota-shapes.ts";

/**
 * The quotas every contender is run against, in real time: nothing tells the bridge what they are,
 * and nothing runs faster than the clock. Each shape comes with and without Genesys' rate headers.
 */
export interface Scenario {
  name: string;
  /** One line for the table. */
  conditions: string;
  /** A fresh quota for one run that starts at `start` (epoch ms). */
  shape(start: number): QuotaShape;
  /** Send inin-ratelimit-* (describing the per-minute window). */
  headers: boolean;
  retryAfter: "seconds" | "zero" | "missing";
  /** Requests per second the quota sustains `t` ms into the run (before another consumer's share). */
  quotaAt(t: number): number;
  /** Another consumer takes `share` of the quota from `from` to `to` of the planned run. */
  sharedLoad?: { share: number; from: number; to: number };
  /** Run the baselines here too (they are left out where they would take minutes each). */
  baselines: boolean;
  targets: Targets;
}

/** The bridge's targets (issue #8); a missing figure has no target in this scenario. */
export interface Targets {
  maxIdealRatio?: number;
  maxThrottledShare?: number;
  maxRequestsPerWrite?: number;
  maxLost: number;
}

/** A raised Genesys limit as a per-second token bucket, with the per-minute window its headers describe. */
const BUCKET_RATE = 100;
const bucket = () => allOf(window("fixed", BUCKET_RATE * 60, 60_000), tokenBucket(BUCKET_RATE, BUCKET_RATE));
/** Genesys' documented shape, a fixed 60 s window, at a limit where a run spans two windows. */
const MINUTE_LIMIT = 1_000;
/** A quota raised six-fold this long into the run. */
const STEP_AT_MS = 8_000;
const STEP_FROM = 20;
const STEP_TO = 120;
const stepBucket = (rate: number) => allOf(window("fixed", rate * 60, 60_000), tokenBucket(rate, rate));

export function scenarios(): Scenario[] {
  const flat = (rate: number) => () => rate;
  const bucketRow = (
    over: Partial<Scenario> & Pick<Scenario, "name" | "conditions" | "targets">,
  ): Scenario => ({
    shape: bucket,
    headers: true,
    retryAfter: "seconds",
    quotaAt: flat(BUCKET_RATE),
    baselines: true,
    ...over,
  });
  const minute: Omit<Scenario, "name" | "conditions" | "headers" | "targets"> = {
    shape: () => window("fixed", MINUTE_LIMIT, 60_000),
    retryAfter: "seconds",
    quotaAt: flat(MINUTE_LIMIT / 60),
    baselines: false,
  };
  const step: Omit<Scenario, "name" | "conditions" | "headers" | "targets"> = {
    shape: (start) => stepped(stepBucket(STEP_FROM), start + STEP_AT_MS, stepBucket(STEP_TO)),
    retryAfter: "seconds",
    quotaAt: (t) => (t < STEP_AT_MS ? STEP_FROM : STEP_TO),
    baselines: true,
  };
  const shared = { share: 0.5, from: 1 / 3, to: 2 / 3 };
  return [
    bucketRow({
      name: "bucket-headers",
      conditions: "token bucket 100/s burst 100, headers on (6,000/min), Retry-After s",
      targets: { maxIdealRatio: 1.05, maxThrottledShare: 0.005, maxRequestsPerWrite: 1.03, maxLost: 0 },
    }),
    bucketRow({
      name: "bucket-no-headers",
      conditions: "token bucket 100/s burst 100, headers off, Retry-After s",
      headers: false,
      targets: { maxIdealRatio: 1.1, maxThrottledShare: 0.02, maxLost: 0 },
    }),
    {
      ...minute,
      name: "minute-headers",
      conditions: `FIXED 60 s window, ${MINUTE_LIMIT}/min, headers on, Retry-After s`,
      headers: true,
      targets: { maxIdealRatio: 1.05, maxThrottledShare: 0.005, maxLost: 0 },
    },
    {
      ...minute,
      name: "minute-no-headers",
      conditions: `FIXED 60 s window, ${MINUTE_LIMIT}/min, headers off, Retry-After s`,
      headers: false,
      targets: { maxIdealRatio: 1.15, maxThrottledShare: 0.03, maxLost: 0 },
    },
    {
      ...step,
      name: "step-up-headers",
      conditions: `token bucket ${STEP_FROM}/s → ${STEP_TO}/s at ${STEP_AT_MS / 1000} s, headers on`,
      headers: true,
      baselines: false,
      targets: { maxLost: 0 },
    },
    {
      ...step,
      name: "step-up-no-headers",
      conditions: `token bucket ${STEP_FROM}/s → ${STEP_TO}/s at ${STEP_AT_MS / 1000} s, headers off`,
      headers: false,
      targets: { maxIdealRatio: 1.2, maxThrottledShare: 0.03, maxLost: 0 },
    },
    bucketRow({
      name: "shared-headers",
      conditions: "token bucket 100/s, headers on, other consumer 50% in the middle third",
      sharedLoad: shared,
      baselines: false,
      targets: { maxIdealRatio: 1.15, maxThrottledShare: 0.02, maxLost: 0 },
    }),
    bucketRow({
      name: "shared-no-headers",
      conditions: "token bucket 100/s, headers off, other consumer 50% in the middle third",
      headers: false,
      sharedLoad: shared,
      targets: { maxIdealRatio: 1.15, maxThrottledShare: 0.02, maxLost: 0 },
    }),
    bucketRow({
      name: "retry-after-zero",
      conditions: "token bucket 100/s, headers off, Retry-After: 0 (the body still says [N] seconds)",
      headers: false,
      retryAfter: "zero",
      baselines: false,
      targets: { maxThrottledShare: 0.03, maxLost: 0 },
    }),
    bucketRow({
      name: "retry-after-missing",
      conditions: "token bucket 100/s, headers off, no Retry-After, legacy body without a number",
      headers: false,
      retryAfter: "missing",
      baselines: false,
      targets: { maxThrottledShare: 0.03, maxLost: 0 },
    }),
  ];
}

/** The highest rate the quota reaches in the run: what "90% of the quota" is measured against. */
export function peakQuota(scenario: Scenario): number {
  return Math.max(scenario.quotaAt(0), scenario.quotaAt(Number.MAX_SAFE_INTEGER));
}

/** When the quota last changed (0 for a steady one): time to 90% is counted from there. */
export function quotaChangeAt(scenario: Scenario): number {
  return scenario.quotaAt(0) === scenario.quotaAt(Number.MAX_SAFE_INTEGER) ? 0 : STEP_AT_MS;
}

/**
 * The shortest makespan the quota allows for `writes` requests: sent at the quota left to the
 * contender from the first moment (the other consumer takes `share` of it over the middle of the
 * run). A schedule that spends a fresh window's or bucket's burst at once can beat it by that burst.
 */
export function idealMs(scenario: Scenario, writes: number): number {
  const shared = scenario.sharedLoad;
  let t = 0;
  let left = writes;
  const planned = unsharedIdealMs(scenario, writes);
  const stepMs = 10;
  while (left > 0) {
    const taken =
      shared !== undefined && t >= shared.from * planned && t < shared.to * planned ? shared.share : 0;
    left -= (scenario.quotaAt(t) * (1 - taken) * stepMs) / 1000;
    t += stepMs;
  }
  return t;
}

/** The ideal makespan with the whole quota: what the other consumer's schedule is planned on. */
export function unsharedIdealMs(scenario: Scenario, writes: number): number {
  let t = 0;
  for (let left = writes; left > 0; t += 10) left -= (scenario.quotaAt(t) * 10) / 1000;
  return t;
}
