import type { AttributeChange } from "./attribute-changes.ts";
import type { GroupComparison } from "./compare-groups.ts";
import type { PlannedChange, ReconcilePlan } from "./reconcile-plan.ts";
import type { ReconcileSession } from "./reconcile-session.ts";

/** The final summary of a run (for a dry run: the plan, nothing applied). */
export interface ReconcileReport {
  runId: string;
  dryRun: boolean;
  /** Sessions after the first: the run was interrupted and picked up where it stopped. */
  resumes: number;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  okta: { users: number; pages: number };
  genesys: { users: number; active: number; inactive: number; pages: number };
  plan: ReconcilePlan;
  applied: { enqueued: number; writes: number; deadLetters: number };
  genesysRequests: { listing: number; writes: number; total: number };
  /** Genesys 429s seen while the run went on (its own and anyone else's on the shared controller). */
  throttled: number;
  /** SYNC_GROUPS groups: membership differences (queued for the group sync unless a dry run). */
  groups: GroupComparison[];
}

/** The report of a session that has finished; `deadLetters` counts those since the run began. */
export function buildReport(s: ReconcileSession, finishedAt: number, deadLetters: number): ReconcileReport {
  const { cp } = s;
  return {
    runId: s.runId,
    dryRun: s.dryRun,
    resumes: cp.resumes,
    startedAt: new Date(cp.startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationSeconds: (finishedAt - cp.startedAt) / 1000,
    okta: { users: cp.okta.users, pages: cp.okta.pages },
    genesys: {
      users: cp.genesys.listed.active + cp.genesys.listed.inactive,
      active: cp.genesys.listed.active,
      inactive: cp.genesys.listed.inactive,
      pages: cp.genesys.pages,
    },
    plan: cp.plan,
    applied: { enqueued: cp.enqueued, writes: cp.usage.writes, deadLetters: Math.max(0, deadLetters) },
    genesysRequests: {
      listing: cp.usage.listingRequests,
      writes: cp.usage.writes,
      total: cp.usage.listingRequests + cp.usage.writes,
    },
    throttled: cp.usage.throttled,
    groups: s.groups ?? [],
  };
}

const KIND_TITLES = { create: "Creates", update: "Updates", deactivate: "Deactivations" } as const;

/** The plan and the outcome as text: the CLI prints it, a dry run's whole output is this. */
export function formatReport(report: ReconcileReport): string {
  const { counts, samples, sample } = report.plan;
  const lines = [
    `Reconcile ${report.runId}${report.dryRun ? " (dry run: nothing written)" : ""}` +
      `${report.resumes > 0 ? `, resumed ${report.resumes}x` : ""}`,
    `  Okta users          ${report.okta.users} (${report.okta.pages} pages)`,
    `  Genesys users       ${report.genesys.users} (${report.genesys.active} active, ${report.genesys.inactive} inactive; ${report.genesys.pages} pages)`,
    "",
    `  create              ${counts.create}`,
    `  update              ${counts.update}`,
    `  deactivate          ${counts.deactivate}`,
    `  unchanged           ${counts.unchanged}`,
    `  skipped             ${counts.skipped}`,
    `  conflict            ${counts.conflict}   (userName held by another Genesys user: not written)`,
    `  unknown in Genesys  ${counts.unknown}   (no Okta user: reported, never deleted)`,
  ];
  for (const kind of ["create", "update", "deactivate"] as const) {
    if (samples[kind].length === 0) continue;
    lines.push("", `${KIND_TITLES[kind]} (first ${Math.min(sample, counts[kind])} of ${counts[kind]}):`);
    for (const change of samples[kind]) lines.push(...describeChange(change));
  }
  if (samples.conflict.length > 0) {
    lines.push("", `Conflicts (first ${samples.conflict.length} of ${counts.conflict}):`);
    for (const c of samples.conflict) lines.push(`  ${c.oktaUserId} ${c.userName}: ${c.reason}`);
  }
  if (samples.skipped.length > 0) {
    lines.push("", `Skipped (first ${samples.skipped.length} of ${counts.skipped}):`);
    for (const s of samples.skipped) lines.push(`  ${s.oktaUserId}: ${s.reason}`);
  }
  if (samples.unknown.length > 0) {
    lines.push("", `Unknown in Genesys (first ${samples.unknown.length} of ${counts.unknown}):`);
    for (const u of samples.unknown) {
      lines.push(
        `  ${u.genesysId} ${u.userName ?? "(no userName)"} externalId=${u.externalId ?? "none"}${u.active ? "" : " (inactive)"}`,
      );
    }
  }
  if ((report.groups ?? []).length > 0) {
    lines.push("", "Groups (SYNC_GROUPS):", ...report.groups.map(groupLine));
  }
  lines.push(
    "",
    `Genesys requests      ${report.genesysRequests.total} (listing ${report.genesysRequests.listing}, writes ${report.genesysRequests.writes})`,
    `429s                  ${report.throttled}`,
    `Changes queued        ${report.applied.enqueued}${report.applied.deadLetters > 0 ? `, ${report.applied.deadLetters} dead-lettered` : ""}`,
    `Time                  ${report.durationSeconds.toFixed(1)} s`,
  );
  return lines.join("\n");
}

function describeChange(change: PlannedChange): string[] {
  const target = change.genesysId ? ` (Genesys ${change.genesysId})` : "";
  return [`  ${change.oktaUserId} ${change.userName}${target}`, ...change.changes.map(describeAttribute)];
}

function describeAttribute(change: AttributeChange): string {
  const show = (v: AttributeChange["okta"]) => (v === undefined ? "(none)" : JSON.stringify(v));
  return `      ${change.attribute}: ${show(change.genesys)} -> ${show(change.okta)}`;
}

/** "Support → Support: add 3, remove 1, 2 not in Genesys yet; Genesys-only members kept: 1" */
function groupLine(g: GroupComparison): string {
  const name = `  ${g.okta === g.genesys ? g.okta : `${g.okta} → ${g.genesys}`}`;
  if (g.state === "missing") return `${name}: no Genesys group named ${g.genesys} (create it in Genesys)`;
  if (g.state === "no-okta-group") return `${name}: no Okta group named ${g.okta}`;
  const changes = g.state === "in-step" ? "in step" : `add ${g.add}, remove ${g.remove}`;
  const waiting = g.notInGenesys > 0 ? `, ${g.notInGenesys} not in Genesys yet` : "";
  const only = g.genesysOnly.length > 0 ? `; Genesys-only members kept: ${g.genesysOnly.length}` : "";
  return `${name}: ${changes}${waiting}${only}`;
}
