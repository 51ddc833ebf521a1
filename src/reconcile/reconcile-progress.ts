import { SCIM_MAX_PAGE } from "../genesys/genesys-client.ts";
import type { ReconcileCheckpoint, ReconcilePhase } from "./reconcile-checkpoint.ts";
import { emptyPlan, type PlanCounts } from "./reconcile-plan.ts";
import type { ReconcileReport } from "./reconcile-report.ts";
import type { ReconcileSession, ReconcileState } from "./reconcile-session.ts";

/** A snapshot of the current (or last) run, for the CLI progress bar and the status page. */
export interface ReconcileProgress {
  runId: string | null;
  state: ReconcileState;
  dryRun: boolean;
  phase: ReconcilePhase | "done" | null;
  resumes: number;
  startedAt: string | null;
  elapsedSeconds: number;
  listed: { genesysUsers: number; genesysPages: number; oktaUsers: number; oktaPages: number };
  plan: PlanCounts;
  /** Queued changes applied (synced, or given up as dead letters) out of those queued so far. */
  done: number;
  total: number;
  /** Genesys writes made by the run's changes. */
  writes: number;
  /** Genesys requests spent: listing pages and writes. */
  genesysRequests: number;
  throttled: number;
  /** Genesys requests per second this session. */
  ratePerSecond: number;
  /** Share of the run's estimated Genesys requests already spent, 0..1. */
  fraction: number;
  etaSeconds: number | null;
  error: string | null;
  /** The last finished run's report. */
  report: ReconcileReport | null;
}

/** Where a session is; `report` is the last finished run's. Call refreshUsage first for a running run. */
export function sessionProgress(
  s: ReconcileSession,
  now: number,
  report: ReconcileReport | null,
): ReconcileProgress {
  const { cp } = s;
  const requests = cp.usage.listingRequests + cp.usage.writes;
  const elapsed = (now - s.startedAt) / 1000;
  const rate = elapsed >= 1 ? (requests - s.requestsBefore) / elapsed : 0;
  const pending = Math.min(cp.enqueued, s.pending);
  const remaining = s.state === "running" ? remainingRequests(cp, pending, s.dryRun) : 0;
  return {
    runId: s.runId,
    state: s.state,
    dryRun: s.dryRun,
    phase: s.state === "done" ? "done" : cp.phase,
    resumes: cp.resumes,
    startedAt: new Date(cp.startedAt).toISOString(),
    elapsedSeconds: (now - cp.startedAt) / 1000,
    listed: {
      genesysUsers: cp.genesys.listed.active + cp.genesys.listed.inactive,
      genesysPages: cp.genesys.pages,
      oktaUsers: cp.okta.users,
      oktaPages: cp.okta.pages,
    },
    plan: { ...cp.plan.counts },
    done: cp.enqueued - pending,
    total: cp.enqueued,
    writes: cp.usage.writes,
    genesysRequests: requests,
    throttled: cp.usage.throttled,
    ratePerSecond: rate,
    fraction: requests + remaining > 0 ? requests / (requests + remaining) : s.state === "done" ? 1 : 0,
    etaSeconds: s.state !== "running" ? null : remaining === 0 ? 0 : rate > 0 ? remaining / rate : null,
    error: s.error,
    report,
  };
}

/** No run in this process: the last finished run's figures, or zeros. */
export function idleProgress(report: ReconcileReport | null): ReconcileProgress {
  return {
    runId: report?.runId ?? null,
    state: report ? "done" : "idle",
    dryRun: report?.dryRun ?? false,
    phase: report ? "done" : null,
    resumes: report?.resumes ?? 0,
    startedAt: report?.startedAt ?? null,
    elapsedSeconds: report?.durationSeconds ?? 0,
    listed: {
      genesysUsers: report?.genesys.users ?? 0,
      genesysPages: report?.genesys.pages ?? 0,
      oktaUsers: report?.okta.users ?? 0,
      oktaPages: report?.okta.pages ?? 0,
    },
    plan: { ...(report?.plan ?? emptyPlan(0)).counts },
    done: report?.applied.enqueued ?? 0,
    total: report?.applied.enqueued ?? 0,
    writes: report?.applied.writes ?? 0,
    genesysRequests: report?.genesysRequests.total ?? 0,
    throttled: report?.throttled ?? 0,
    ratePerSecond: 0,
    fraction: report ? 1 : 0,
    etaSeconds: null,
    error: null,
    report,
  };
}

/**
 * The Genesys requests still to come, estimated: the listing pages the totals say are left, the
 * queued changes not yet applied, and as many more changes as the Okta users compared so far
 * suggest for the ones still to compare (Okta gives no total; the Genesys listing stands in for it).
 */
export function remainingRequests(cp: ReconcileCheckpoint, pendingChanges: number, dryRun: boolean): number {
  const pages = (total: number | null) => Math.max(1, Math.ceil((total ?? 0) / SCIM_MAX_PAGE));
  let remaining = 0;
  if (cp.phase === "genesys") {
    const known = pages(cp.genesys.totals.active) + pages(cp.genesys.totals.inactive);
    remaining += Math.max(0, known - cp.genesys.pages);
  }
  if (dryRun) return remaining;
  remaining += pendingChanges;
  if (cp.phase !== "applying" && cp.okta.users > 0) {
    const genesysUsers = (cp.genesys.totals.active ?? 0) + (cp.genesys.totals.inactive ?? 0);
    const changesPerUser = cp.enqueued / cp.okta.users;
    remaining += Math.round(Math.max(0, genesysUsers - cp.okta.users) * changesPerUser);
  }
  return remaining;
}

/** One line: the CLI's progress bar (on a TTY) or its periodic log line. */
export function formatProgress(p: ReconcileProgress, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, p.fraction)) * width);
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
  const phase = p.phase === null ? p.state : p.phase;
  return (
    `${bar} ${String(Math.round(p.fraction * 100)).padStart(3)}% ${phase.padEnd(9)}` +
    ` listed G ${p.listed.genesysUsers} / O ${p.listed.oktaUsers}` +
    ` | changes ${p.done}/${p.total} | writes ${p.writes} | 429s ${p.throttled}` +
    ` | ${p.ratePerSecond.toFixed(1)} req/s | ETA ${formatSeconds(p.etaSeconds)}`
  );
}

function formatSeconds(seconds: number | null): string {
  if (seconds === null) return "?";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
