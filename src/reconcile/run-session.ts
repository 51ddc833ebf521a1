import { compareGroups } from "./compare-groups.ts";
import { compareOkta } from "./compare-okta.ts";
import { listGenesys } from "./list-genesys.ts";
import { buildReport, type ReconcileReport } from "./reconcile-report.ts";
import {
  countPending,
  refreshUsage,
  saveCheckpoint,
  type ReconcileSession,
  type RunContext,
} from "./reconcile-session.ts";

export interface RunSessionOptions {
  signal: AbortSignal;
  /** How often the apply phase looks at the bulk lane. */
  pollMs: number;
  /** Called with the report as the session is marked done, before anyone awaiting it hears. */
  finished: (report: ReconcileReport) => void;
}

/**
 * Runs a session's phases from where its checkpoint stands: list Genesys, compare Okta, wait for the
 * queued changes to be applied (not in a dry run), then report. Interrupted or failed, the checkpoint
 * is saved and the error thrown; a real run resumes from it next time.
 */
export async function runSession(
  s: ReconcileSession,
  ctx: RunContext,
  options: RunSessionOptions,
): Promise<ReconcileReport> {
  const { store, clock, log } = ctx;
  const { signal } = options;
  try {
    if (s.cp.phase === "genesys") await listGenesys(s, ctx, signal);
    if (s.cp.phase === "okta") await compareOkta(s, ctx, signal);
    s.groups = await compareGroups(ctx, s.snapshot, s.dryRun);
    if (!s.dryRun && s.groups.some((g) => g.state === "differs")) ctx.onGroupsQueued();
    if (!s.dryRun) await awaitApplied(s, ctx, options);
    refreshUsage(s, ctx);
    const deadLetters = s.dryRun ? 0 : (await store.stats()).deadLetters - s.cp.deadLettersAtStart;
    const done = buildReport(s, clock.now(), deadLetters);
    if (!s.dryRun) await store.finishReconcileRun(s.runId, clock.now(), JSON.stringify(done));
    s.state = "done";
    options.finished(done);
    const summary = { counts: done.plan.counts, genesysRequests: done.genesysRequests.total };
    log.info({ runId: s.runId, dryRun: s.dryRun, ...summary }, "reconcile finished");
    return done;
  } catch (error) {
    s.state = signal.aborted ? "interrupted" : "failed";
    s.error = error instanceof Error ? error.message : String(error);
    if (s.state === "failed") log.error({ runId: s.runId, err: error }, "reconcile failed");
    else log.info({ runId: s.runId, phase: s.cp.phase }, "reconcile interrupted; the next run resumes it");
    if (!s.dryRun) await saveCheckpoint(s, ctx).catch(() => undefined); // the page checkpoints are saved already
    throw error;
  }
}

/** The apply phase: the dispatcher works through the bulk lane; the run waits until it is empty. */
async function awaitApplied(s: ReconcileSession, ctx: RunContext, options: RunSessionOptions): Promise<void> {
  const { clock } = ctx;
  let lastSave = clock.now();
  for (;;) {
    await countPending(s, ctx);
    if (s.pending === 0) return;
    if (clock.now() - lastSave >= 2_000) {
      lastSave = clock.now();
      await saveCheckpoint(s, ctx);
    }
    await clock.sleep(options.pollMs, options.signal);
  }
}
