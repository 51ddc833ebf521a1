import { SCIM_MAX_PAGE } from "../genesys/genesys-client.ts";
import type { ReconcileCheckpoint, ReconcilePhase } from "./reconcile-checkpoint.ts";
import type { PlanCounts } from "./reconcile-plan.ts";
import type { ReconcileReport } from "./reconcile-report.ts";

/** A snapshot of the current (or last) run, for the CLI progress bar and the status page. */
export interface ReconcileProgress {
  runId: string | null;
  /** interrupted: aborted or the process stopped; the next run resumes it. */
  state: "idle" | "running" | "done" | "failed" | "interrupted";
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
