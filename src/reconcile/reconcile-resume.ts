import type { ScimUserResource } from "../genesys/scim-user.ts";
import type { Store } from "../store/store.ts";
import { initialCheckpoint, parseCheckpoint } from "./reconcile-checkpoint.ts";
import type { ReconcileReport } from "./reconcile-report.ts";
import { dormantSession, type ReconcileSession, type RunContext } from "./reconcile-session.ts";

type OpenContext = Pick<RunContext, "store" | "clock" | "log" | "controllerThrottled"> & {
  newRunId: () => string;
};

/**
 * The session to run next: an interrupted real run is resumed (its Genesys snapshot read back unless
 * the listing is over), otherwise a new run begins. A dry run never resumes and is never resumed:
 * it writes nothing, its checkpoint included.
 */
export async function openSession(
  ctx: OpenContext,
  dryRun: boolean,
  sample: number,
): Promise<ReconcileSession> {
  const { store, clock, log } = ctx;
  const now = clock.now();
  const running = (runId: string, cp: ReconcileSession["cp"]): ReconcileSession => ({
    ...dormantSession(ctx, runId, cp),
    dryRun,
    state: "running",
    startedAt: now,
  });
  if (dryRun) return running(ctx.newRunId(), initialCheckpoint(now, sample, 0));
  const saved = await store.unfinishedReconcileRun();
  const cp = saved && parseCheckpoint(saved.checkpoint);
  if (saved && cp) {
    cp.resumes += 1;
    const session = running(saved.id, cp);
    if (cp.phase !== "applying") {
      for (const user of await store.reconcileSnapshot(saved.id)) {
        session.snapshot.add(JSON.parse(user.json) as ScimUserResource, user.matched);
      }
    }
    await store.saveReconcileCheckpoint(saved.id, JSON.stringify(cp));
    log.info({ runId: saved.id, phase: cp.phase, resumes: cp.resumes }, "reconcile resumed");
    return session;
  }
  const runId = ctx.newRunId();
  const started = initialCheckpoint(now, sample, (await store.stats()).deadLetters);
  await store.beginReconcileRun(runId, now, JSON.stringify(started));
  log.info({ runId }, "reconcile started");
  return running(runId, started);
}

export interface LastRun {
  report: ReconcileReport | null;
  /** A run that was interrupted and waits to be resumed. */
  interrupted: ReconcileSession | undefined;
}

/** What the store remembers, so that the status page shows the last run (or an interrupted one) after a restart. */
export async function loadLastRun(
  ctx: Pick<RunContext, "clock" | "controllerThrottled"> & { store: Pick<Store, "latestReconcileRun"> },
): Promise<LastRun> {
  const run = await ctx.store.latestReconcileRun();
  if (run === undefined) return { report: null, interrupted: undefined };
  const report = run.report === undefined ? null : (JSON.parse(run.report) as ReconcileReport);
  const cp = run.finishedAt === undefined ? parseCheckpoint(run.checkpoint) : undefined;
  return { report, interrupted: cp && dormantSession(ctx, run.id, cp) };
}
