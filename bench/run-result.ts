import { diffDirectories } from "../sim/directory-diff.ts";
import type { BenchEnv } from "./bench-env.ts";
import { peakQuota, quotaChangeAt, unsharedIdealMs } from "./scenarios.ts";

/** One contender's run of one scenario: one row of the table. */
export interface RunResult {
  scenario: string;
  contender: string;
  requiredWrites: number;
  idealMs: number;
  makespanMs: number;
  timedOut: boolean;
  /** API requests the contender made (the token endpoint and the other consumer not counted). */
  requests: number;
  throttled: number;
  /** Successful (2xx) POST/PUT/PATCH/DELETE. */
  writes: number;
  /** Ms from the start (or from the quota's step) until the admitted rate over a second reached 90% of the quota. */
  reach90Ms: number | undefined;
  /** Okta users Genesys does not match at the end (directory diff). */
  lost: number;
  /** The other consumer's share: what it was meant to send and what it got answered. */
  external?: { planned: number; requests: number; throttled: number };
  /** Idle event → Genesys write, ms per sample (bridge rows that measured it). */
  idleWriteMs?: number[];
  notes: string[];
  /** How the bridge's rate controller behaved (bridge rows only), for whoever tunes it. */
  diagnostics?: Record<string, string>;
}

export interface RunTiming {
  contender: string;
  requiredWrites: number;
  idealMs: number;
  makespanMs: number;
  timedOut: boolean;
  /** performance.now() when the contender started. */
  startedAt?: number;
  notes?: string[];
}

/** Reads the figures every contender is judged by from the quota gate and the simulators. */
export function measureRun(env: BenchEnv, timing: RunTiming & { startedAt?: number }): RunResult {
  const { stats } = env.gate;
  const diff = diffDirectories(env.okta.users(), env.genesys.users());
  const shared = env.scenario.sharedLoad;
  const from = (timing.startedAt ?? env.startedAt) + quotaChangeAt(env.scenario);
  const result: RunResult = {
    scenario: env.scenario.name,
    contender: timing.contender,
    requiredWrites: timing.requiredWrites,
    idealMs: timing.idealMs,
    makespanMs: timing.makespanMs,
    timedOut: timing.timedOut,
    requests: stats.requests,
    throttled: stats.throttled,
    writes: stats.writes.length,
    reach90Ms: timeToReach(stats.admitted, from, 0.9 * peakQuota(env.scenario)),
    lost: diff.differences.length,
    notes: [...(timing.notes ?? [])],
  };
  if (shared !== undefined) {
    const plannedMs = unsharedIdealMs(env.scenario, timing.requiredWrites);
    result.external = {
      planned: Math.round(
        (shared.share * env.scenario.quotaAt(0) * (shared.to - shared.from) * plannedMs) / 1000,
      ),
      requests: stats.external.requests,
      throttled: stats.external.throttled,
    };
  }
  return result;
}

/** Ms after `from` when `perSecond` requests were first admitted within one second. */
export function timeToReach(
  admitted: readonly number[],
  from: number,
  perSecond: number,
): number | undefined {
  const times = admitted.filter((t) => t >= from);
  for (let i = 0, j = 0; j < times.length; j++) {
    const t = times[j] ?? 0;
    while ((times[i] ?? 0) <= t - 1000) i += 1;
    if (j - i + 1 >= perSecond) return t - from;
  }
  return undefined;
}

/** Requests admitted per second over the run's first seconds, and the 429 bursts: how the pace got going. */
export function rampDiagnostics(env: BenchEnv, startedAt: number): Record<string, string> {
  const perSecond: number[] = [];
  for (const t of env.gate.stats.admitted) {
    const s = Math.floor((t - startedAt) / 1000);
    if (s >= 0) perSecond[s] = (perSecond[s] ?? 0) + 1;
  }
  const counts = Array.from(perSecond, (n) => n ?? 0);
  return { "admitted per second": counts.slice(0, 30).join(" ") + (counts.length > 30 ? " …" : "") };
}

export interface BoundWatch {
  /** Resolves once the run is out of time. */
  timeout: Promise<"timeout">;
  cancel(): void;
}

/**
 * A run's time limit: `boundMs` after `startedAt`, or sooner once it can no longer make it, i.e.
 * when the writes still missing would take longer than the time left even at the full quota.
 * Stopping such a run at once (rather than at the bound) keeps the whole benchmark within minutes;
 * its row says "timed out" either way.
 */
export function watchBound(options: {
  startedAt: number;
  boundMs: number;
  required: number;
  quotaPerSecond: number;
  done: () => number;
}): BoundWatch {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setInterval(() => {
      const elapsed = performance.now() - options.startedAt;
      const missing = Math.max(0, options.required - options.done());
      if (elapsed + (missing * 1000) / options.quotaPerSecond > options.boundMs) resolve("timeout");
    }, 100);
  });
  return { timeout, cancel: () => clearInterval(timer) };
}
