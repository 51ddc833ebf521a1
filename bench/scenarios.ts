import type { GenesysRateLimitOptions } from "../sim/genesys-simulator.ts";

/**
 * The conditions every contender is run under. Genesys' quota is 300 requests per 60 s per OAuth
 * client; each scenario keeps that quota and its window shape and runs Genesys time `timeScale`
 * times faster than real time (see scaled-clock.ts), so a run takes seconds, not the half hour the
 * workload would take against the real thing.
 */
export interface Scenario {
  name: string;
  /** One line for the table: window kind, headers, Retry-After. */
  conditions: string;
  /** In Genesys (simulated) time. */
  rateLimit: GenesysRateLimitOptions;
  timeScale: number;
  /** Another consumer of the same OAuth client takes `share` of the quota from `from` to `to` of the planned run. */
  sharedLoad?: { share: number; from: number; to: number };
  targets: Targets;
}

/** The bridge's targets (the project's issue); a missing figure has no target in this scenario. */
export interface Targets {
  maxIdealRatio?: number;
  maxThrottledShare?: number;
  maxRequestsPerWrite?: number;
  maxLost: number;
  /** Makespan and 429 share both better than every baseline's. */
  beatBaselines: boolean;
}

/**
 * Genesys time runs this many times faster: 300/min becomes 300 per 1.2 s, 250 requests per real
 * second, and the 2,300 required writes take 9.2 s at best. Chosen so that 35 runs fit in minutes
 * on two cores while the bridge process stays below saturation (its event loop is ~60% busy).
 */
export const TIME_SCALE = 50;

const GENESYS_MINUTE = { limit: 300, windowMs: 60_000 } as const;

const HEADERS_ON: Targets = {
  maxIdealRatio: 1.05,
  maxThrottledShare: 0.005,
  maxRequestsPerWrite: 1.02,
  maxLost: 0,
  beatBaselines: true,
};
const HEADERS_OFF: Targets = {
  maxIdealRatio: 1.15,
  maxThrottledShare: 0.02,
  maxLost: 0,
  beatBaselines: true,
};
const NO_RETRY_TIME: Targets = { maxThrottledShare: 0.03, maxLost: 0, beatBaselines: true };

export function scenarios(timeScale = TIME_SCALE): Scenario[] {
  const sliding = (over: Partial<GenesysRateLimitOptions>): GenesysRateLimitOptions => ({
    ...GENESYS_MINUTE,
    kind: "sliding-window",
    headers: true,
    retryAfter: "seconds",
    ...over,
  });
  const fixed = (over: Partial<GenesysRateLimitOptions>): GenesysRateLimitOptions => ({
    ...sliding(over),
    kind: "fixed-window",
  });
  return [
    {
      name: "burst-headers",
      conditions: "sliding 300/min, inin-ratelimit-* on, Retry-After s",
      rateLimit: sliding({}),
      timeScale,
      targets: HEADERS_ON,
    },
    {
      name: "burst-no-headers",
      conditions: "sliding 300/min, headers off, Retry-After s",
      rateLimit: sliding({ headers: false }),
      timeScale,
      targets: HEADERS_OFF,
    },
    {
      name: "shared-quota",
      conditions: "sliding 300/min, headers on, other consumer 50% in middle third",
      rateLimit: sliding({}),
      timeScale,
      sharedLoad: { share: 0.5, from: 1 / 3, to: 2 / 3 },
      targets: HEADERS_OFF,
    },
    {
      name: "retry-after-zero",
      conditions: "sliding 300/min, headers off, Retry-After: 0 (the body still says [N] seconds)",
      rateLimit: sliding({ headers: false, retryAfter: "zero" }),
      timeScale,
      targets: NO_RETRY_TIME,
    },
    {
      name: "retry-after-missing",
      conditions: "sliding 300/min, headers off, no Retry-After, legacy body without a number",
      rateLimit: sliding({ headers: false, retryAfter: "missing" }),
      timeScale,
      targets: NO_RETRY_TIME,
    },
    {
      name: "per-minute-headers",
      conditions: "FIXED 300/min window, headers on, Retry-After s",
      rateLimit: fixed({}),
      timeScale,
      targets: HEADERS_ON,
    },
    {
      name: "per-minute-no-headers",
      conditions: "FIXED 300/min window, headers off, Retry-After s",
      rateLimit: fixed({ headers: false }),
      timeScale,
      targets: HEADERS_OFF,
    },
  ];
}

/** Requests per real second the quota allows one client. */
export function quotaPerSecond(scenario: Scenario): number {
  const { limit, windowMs } = scenario.rateLimit;
  return (limit * 1000 * scenario.timeScale) / windowMs;
}

/**
 * The shortest makespan the quota allows for `writes` requests: writes ÷ the quota left to the
 * contender. A shared quota leaves `1 − share` of it for the shared part of the planned run, which
 * lengthens the ideal by `share × (to − from)` of the unshared one. (A schedule that spends a whole
 * fresh window at once can come in under it by up to limit ÷ writes.)
 */
export function idealMs(scenario: Scenario, writes: number): number {
  const unshared = unsharedIdealMs(scenario, writes);
  const shared = scenario.sharedLoad;
  return shared === undefined ? unshared : unshared * (1 + shared.share * (shared.to - shared.from));
}

/** The ideal makespan if the contender had the whole quota: what the other consumer's schedule is planned on. */
export function unsharedIdealMs(scenario: Scenario, writes: number): number {
  return (writes * 1000) / quotaPerSecond(scenario);
}
