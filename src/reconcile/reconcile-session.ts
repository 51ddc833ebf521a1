import type { Mapping } from "../sync/mapping.ts";
import type { GroupComparison } from "./compare-groups.ts";
import type { Clock } from "../clock.ts";
import type { GenesysClient } from "../genesys/genesys-client.ts";
import type { Logger } from "../log.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import type { Store } from "../store/store.ts";
import type { Dispatcher } from "../sync/dispatcher.ts";
import type { UserDirectory } from "../sync/user-directory.ts";
import { GenesysSnapshot } from "./genesys-snapshot.ts";
import type { ReconcileCheckpoint } from "./reconcile-checkpoint.ts";

/** interrupted: aborted or the process stopped; the next run resumes it. */
export type ReconcileState = "idle" | "running" | "done" | "failed" | "interrupted";

/** One process's share of a run: a run interrupted and resumed has several sessions. */
export interface ReconcileSession {
  runId: string;
  dryRun: boolean;
  cp: ReconcileCheckpoint;
  snapshot: GenesysSnapshot;
  state: ReconcileState;
  error: string | null;
  startedAt: number;
  /** Genesys requests the run had spent before this session, for the session's rate. */
  requestsBefore: number;
  throttledBefore: number;
  controllerThrottledAtStart: number;
  /** Bulk changes still queued, as last counted. */
  pending: number;
  /** The listed groups as this session found them (looked at again when a run resumes). */
  groups?: GroupComparison[];
  lastCount: number;
}

/** What every job of a run works with. */
export interface RunContext {
  store: Store;
  okta: OktaClient;
  genesys: GenesysClient;
  /** The directory the dispatcher's syncs use: its cache must see what the reconcile learns. */
  users: UserDirectory;
  dispatcher: Pick<Dispatcher, "notify">;
  log: Logger;
  clock: Clock;
  /** 429s the Genesys controller has seen so far (anyone's, on the shared controller). */
  controllerThrottled: () => number;
  oktaPageSize: number;
  maxPageAttempts: number;
  /** The attribute mapping the comparison uses (MAPPING_FILE, or the default). */
  mapping: Mapping;
  /** SYNC_GROUPS: the groups compared after the users. */
  groups: readonly { okta: string; genesys: string }[];
  /** Groups were queued for a group sync. */
  onGroupsQueued: () => void;
}

type UsageContext = Pick<RunContext, "store" | "clock" | "controllerThrottled">;

/** A session for a run found in the store, not running (yet): a new session is opened to resume it. */
export function dormantSession(
  ctx: Pick<RunContext, "clock" | "controllerThrottled">,
  runId: string,
  cp: ReconcileCheckpoint,
): ReconcileSession {
  return {
    runId,
    dryRun: false,
    cp,
    snapshot: new GenesysSnapshot(),
    state: "interrupted",
    error: null,
    startedAt: ctx.clock.now(),
    requestsBefore: cp.usage.listingRequests + cp.usage.writes,
    throttledBefore: cp.usage.throttled,
    controllerThrottledAtStart: ctx.controllerThrottled(),
    pending: cp.enqueued,
    lastCount: 0,
  };
}

/** Brings the checkpoint's 429 count up to date with the shared controller's. */
export function refreshUsage(s: ReconcileSession, ctx: UsageContext): void {
  s.cp.usage.throttled = s.throttledBefore + ctx.controllerThrottled() - s.controllerThrottledAtStart;
}

export function saveCheckpoint(s: ReconcileSession, ctx: UsageContext): Promise<void> {
  refreshUsage(s, ctx);
  return ctx.store.saveReconcileCheckpoint(s.runId, JSON.stringify(s.cp));
}

/** Counts the run's changes still queued (the bulk lane holds only reconcile work). */
export async function countPending(s: ReconcileSession, ctx: UsageContext): Promise<void> {
  s.lastCount = ctx.clock.now();
  s.pending = await ctx.store.pendingInLane("bulk");
}
