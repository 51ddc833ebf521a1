import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../clock.ts";
import { DEFAULT_MAPPING, type Mapping } from "../sync/mapping.ts";
import type { GenesysClient } from "../genesys/genesys-client.ts";
import type { Logger } from "../log.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import type { Store } from "../store/store.ts";
import type { Dispatcher } from "../sync/dispatcher.ts";
import type { SyncResult } from "../sync/sync-user.ts";
import type { UserDirectory } from "../sync/user-directory.ts";
import type { RateController } from "../throttle/rate-controller.ts";
import { idleProgress, sessionProgress, type ReconcileProgress } from "./reconcile-progress.ts";
import type { ReconcileReport } from "./reconcile-report.ts";
import { loadLastRun, openSession } from "./reconcile-resume.ts";
import { runSession } from "./run-session.ts";
import {
  countPending,
  refreshUsage,
  saveCheckpoint,
  type ReconcileSession,
  type RunContext,
} from "./reconcile-session.ts";

export interface ReconcilerOptions {
  /** SYNC_GROUPS: compared after the users; a group that differs is queued for the group sync. */
  groups?: readonly { okta: string; genesys: string }[];
  /** Wakes the group dispatcher when groups were queued. */
  onGroupsQueued?: () => void;
  /** The attribute mapping (MAPPING_FILE); default: the documented default mapping. */
  mapping?: Mapping;
  store: Store;
  okta: OktaClient;
  genesys: GenesysClient;
  /** The directory the dispatcher's syncs use: its cache must see what the reconcile learns. */
  users: UserDirectory;
  log: Logger;
  clock?: Clock;
  /** Read for the 429s seen while a run goes on. */
  genesysController?: Pick<RateController, "state">;
  /** Woken when the run queues changes; tells the run of every bulk sync, so it can count its writes. */
  dispatcher: Pick<Dispatcher, "notify" | "onSynced">;
  /** Users per Okta page. Default 200 (Okta's maximum). */
  oktaPageSize?: number;
  /** How often the apply phase looks at the bulk lane. Default 100 ms. */
  pollMs?: number;
  /** Tries per listing page when Okta or Genesys keep failing transiently. Default 8. */
  maxPageAttempts?: number;
  newRunId?: () => string;
}

export interface ReconcileRunOptions {
  /** Compute and report the plan; write nothing (not to Genesys, not to the store). */
  dryRun?: boolean;
  /** Changes shown per kind in the plan. Default 10. */
  sample?: number;
  /** Stops the run; a real (not dry) run resumes from its checkpoint next time. */
  signal?: AbortSignal;
}

export interface StartedRun {
  runId: string;
  resumed: boolean;
  report: Promise<ReconcileReport>;
}

export interface Reconciler {
  /**
   * Lists Okta and Genesys, queues the users that differ in the bulk lane and resolves once the
   * dispatcher has applied them (a dry run resolves with the plan). Resumes an interrupted run
   * instead of starting anew; a dry run never resumes and is never resumed.
   */
  run(options?: ReconcileRunOptions): Promise<ReconcileReport>;
  /** Like run(), but resolves as soon as the run has an id (the admin API answers 202 with it). */
  start(options?: ReconcileRunOptions): Promise<StartedRun>;
  progress(): ReconcileProgress;
  /** Interrupts a running run (its checkpoint stays for the next one) and waits for it to stop. */
  stop(): Promise<void>;
}

/** A run is already going on: one at a time, since both would spend the same quota on the same users. */
export class ReconcileBusyError extends Error {
  override name = "ReconcileBusyError";
  constructor(readonly runId: string | undefined) {
    super(`a reconcile is already running${runId ? ` (${runId})` : ""}`);
  }
}

/** The session this process holds, with what stops it and what settles when it has stopped. */
type HeldSession = ReconcileSession & { abort: AbortController; settled: Promise<unknown> };

const WRITES: ReadonlySet<SyncResult> = new Set(["created", "updated", "deleted"]);

/**
 * Full reconcile of Okta and Genesys. Genesys requests are the scarce resource: the run spends the
 * listing pages (25 users each, active and inactive lists) and one write per differing user, nothing
 * more — it records every Genesys id it learns and the body hash of every user already in step, so
 * that neither the writes it queues nor later syncs need a lookup. All its requests and the changes
 * it queues go in the bulk lane, behind live Okta events, under the one rate controller per upstream.
 * The jobs live in their own files: list-genesys, compare-okta, reconcile-resume, reconcile-report
 * and reconcile-progress; this one runs them in order and holds the current session.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 100;
  const newRunId = options.newRunId ?? (() => `rec_${randomUUID()}`);
  const ctx = runContext(options, clock);

  let busy = false;
  let session: HeldSession | undefined;
  let lastReport: ReconcileReport | null = null;
  void loadLastRun(ctx).then(
    (last) => {
      if (session !== undefined) return;
      lastReport = last.report;
      if (last.interrupted)
        session = { ...last.interrupted, abort: new AbortController(), settled: Promise.resolve() };
    },
    () => undefined,
  );

  options.dispatcher.onSynced("bulk", (result) => {
    const s = session;
    if (s === undefined || s.dryRun || s.state === "done" || !WRITES.has(result)) return;
    s.cp.usage.writes += 1;
    // A stopped run's queued changes are still being applied (a shutdown drains them, a restart
    // picks them up): the count must reach the checkpoint without the run's own saves.
    if (s.state !== "running") void saveCheckpoint(s, ctx).catch(() => undefined);
    // Keeps "done" moving between pages without a count per sync.
    else if (clock.now() - s.lastCount >= 200) void countPending(s, ctx).catch(() => undefined);
  });

  const reconciler: Reconciler = {
    async start(runOptions = {}) {
      if (busy) throw new ReconcileBusyError(session?.state === "running" ? session.runId : undefined);
      busy = true;
      try {
        const abort = new AbortController();
        const signal = runOptions.signal ? AbortSignal.any([runOptions.signal, abort.signal]) : abort.signal;
        const opened = await openSession(
          { ...ctx, newRunId },
          runOptions.dryRun ?? false,
          runOptions.sample ?? 10,
        );
        const s: HeldSession = { ...opened, abort, settled: Promise.resolve() };
        session = s;
        const finished = (report: ReconcileReport) => {
          lastReport = report;
        };
        const result = runSession(s, ctx, { signal, pollMs, finished }).finally(() => {
          busy = false;
        });
        s.settled = result.catch(() => undefined); // also marks the rejection handled for start() callers
        return { runId: s.runId, resumed: s.cp.resumes > 0, report: result };
      } catch (error) {
        busy = false;
        throw error;
      }
    },
    async run(runOptions) {
      return (await reconciler.start(runOptions)).report;
    },
    progress() {
      const s = session;
      if (s === undefined) return idleProgress(lastReport);
      if (s.state === "running" && !s.dryRun) refreshUsage(s, ctx);
      return sessionProgress(s, clock.now(), lastReport);
    },
    async stop() {
      const s = session;
      if (s?.state !== "running") return;
      s.abort.abort(new Error("reconcile stopped"));
      await s.settled;
    },
  };
  return reconciler;
}

function runContext(options: ReconcilerOptions, clock: Clock): RunContext {
  return {
    store: options.store,
    okta: options.okta,
    genesys: options.genesys,
    users: options.users,
    dispatcher: options.dispatcher,
    log: options.log,
    clock,
    controllerThrottled: () => options.genesysController?.state().throttled ?? 0,
    oktaPageSize: options.oktaPageSize ?? 200,
    maxPageAttempts: options.maxPageAttempts ?? 8,
    mapping: options.mapping ?? DEFAULT_MAPPING,
    groups: options.groups ?? [],
    onGroupsQueued: options.onGroupsQueued ?? (() => undefined),
  };
}
