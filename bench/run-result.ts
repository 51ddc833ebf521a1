import { diffDirectories } from "../sim/directory-diff.ts";
import type { BenchEnv } from "./bench-env.ts";
import { quotaPerSecond, unsharedIdealMs } from "./scenarios.ts";

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
  /** Successful (2xx) POST/PUT/DELETE. */
  writes: number;
  lookups: number;
  /** Okta users Genesys does not match at the end (directory diff). */
  lost: number;
  /** The other consumer's share: what it was meant to send and what it got answered. */
  external?: { planned: number; requests: number; throttled: number };
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
  notes?: string[];
}

/** Reads the figures every contender is judged by from the simulators themselves. */
export function measureRun(env: BenchEnv, timing: RunTiming): RunResult {
  const stats = env.genesys.stats();
  const diff = diffDirectories(env.okta.users(), env.genesys.users());
  const shared = env.scenario.sharedLoad;
  const result: RunResult = {
    scenario: env.scenario.name,
    contender: timing.contender,
    requiredWrites: timing.requiredWrites,
    idealMs: timing.idealMs,
    makespanMs: timing.makespanMs,
    timedOut: timing.timedOut,
    requests: stats.requests - stats.tokenRequests,
    throttled: stats.byStatus["429"] ?? 0,
    writes: stats.writes,
    lookups: stats.lookups,
    lost: diff.differences.length,
    notes: [...(timing.notes ?? [])],
  };
  if (shared !== undefined) {
    const unsharedMs = unsharedIdealMs(env.scenario, timing.requiredWrites);
    result.external = {
      planned: Math.round(
        (shared.share * quotaPerSecond(env.scenario) * (shared.to - shared.from) * unsharedMs) / 1000,
      ),
      requests: stats.externalRequests,
      throttled: stats.externalThrottled,
    };
  }
  return result;
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
