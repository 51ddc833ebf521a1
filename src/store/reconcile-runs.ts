import type { UserChange } from "./user-change.ts";
import type { UserRecord } from "./user-records.ts";

/** A reconcile run as the store keeps it. The checkpoint and the report are the reconciler's own JSON. */
export interface ReconcileRunRecord {
  id: string;
  startedAt: number;
  finishedAt: number | undefined;
  /** Phase, cursors and counters, saved after every page so that a crash resumes there. */
  checkpoint: string;
  report: string | undefined;
}

/** One Genesys user as a reconcile run listed it, and whether an Okta user has claimed it yet. */
export interface ReconcileSnapshotUser {
  genesysId: string;
  json: string;
  matched: boolean;
}

/** What comparing one Okta page produced. */
export interface ReconcileOktaPage {
  changes: readonly UserChange[];
  users: readonly UserRecord[];
  matchedGenesysIds: readonly string[];
  checkpoint: string;
}

/** Reconcile runs. Each page a run reads is saved with the cursor after it, so a crash resumes there. */
export interface ReconcileRuns {
  /** The run that has not finished, if any (there is at most one). */
  unfinishedReconcileRun(): Promise<ReconcileRunRecord | undefined>;
  /** The newest run, finished or not. */
  latestReconcileRun(): Promise<ReconcileRunRecord | undefined>;
  /** Records a new run; an unfinished earlier run and its snapshot are dropped. */
  beginReconcileRun(id: string, startedAt: number, checkpoint: string): Promise<void>;
  saveReconcileCheckpoint(id: string, checkpoint: string): Promise<void>;
  /** Adds one page of the Genesys listing to the run's snapshot and saves the checkpoint after it, atomically. */
  addReconcileGenesysPage(
    id: string,
    users: readonly Omit<ReconcileSnapshotUser, "matched">[],
    checkpoint: string,
  ): Promise<void>;
  reconcileSnapshot(id: string): Promise<ReconcileSnapshotUser[]>;
  /**
   * One Okta page compared, atomically: its changes folded into the queue, the user records it learned
   * saved, the Genesys users it matched marked, the checkpoint saved.
   */
  commitReconcileOktaPage(id: string, page: ReconcileOktaPage): Promise<void>;
  /** The run is over: its report is kept, its snapshot dropped. */
  finishReconcileRun(id: string, finishedAt: number, report: string): Promise<void>;
}
