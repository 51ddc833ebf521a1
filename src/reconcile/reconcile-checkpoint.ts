import { emptyPlan, type ReconcilePlan } from "./reconcile-plan.ts";

/**
 * Where a run is, saved with every page it reads: Genesys is listed first (each page goes into the
 * store's snapshot), then Okta pages are streamed and compared with the snapshot (each page's
 * changes are queued together with the Okta cursor after it), then the queued changes are applied.
 * A run interrupted by a crash resumes from here, not from zero.
 */
export type ReconcilePhase = "genesys" | "okta" | "applying";

export interface ReconcileCheckpoint {
  version: typeof CHECKPOINT_VERSION;
  phase: ReconcilePhase;
  startedAt: number;
  /** Sessions after the first (each restart after an interruption). */
  resumes: number;
  genesys: {
    /** A plain SCIM list returns only active users; the inactive ones need `active eq false`. */
    pass: "active" | "inactive";
    /** 1-based SCIM startIndex of the next page. */
    startIndex: number;
    pages: number;
    /** totalResults of each list, as its last page said. */
    totals: { active: number | null; inactive: number | null };
    listed: { active: number; inactive: number };
  };
  okta: {
    /** Okta lists every user but the DEPROVISIONED ones, which need a filter of their own. */
    pass: "active" | "deprovisioned";
    /** The Link rel="next" URL of the next page; null: the first page of the pass. */
    next: string | null;
    pages: number;
    users: number;
  };
  plan: ReconcilePlan;
  /** Changes queued in the bulk lane. */
  enqueued: number;
  /** Genesys requests this run has spent (over all its sessions), and 429s seen meanwhile. */
  usage: { listingRequests: number; writes: number; throttled: number };
  deadLettersAtStart: number;
}

const CHECKPOINT_VERSION = 1;

export function initialCheckpoint(
  startedAt: number,
  sample: number,
  deadLetters: number,
): ReconcileCheckpoint {
  return {
    version: CHECKPOINT_VERSION,
    phase: "genesys",
    startedAt,
    resumes: 0,
    genesys: {
      pass: "active",
      startIndex: 1,
      pages: 0,
      totals: { active: null, inactive: null },
      listed: { active: 0, inactive: 0 },
    },
    okta: { pass: "active", next: null, pages: 0, users: 0 },
    plan: emptyPlan(sample),
    enqueued: 0,
    usage: { listingRequests: 0, writes: 0, throttled: 0 },
    deadLettersAtStart: deadLetters,
  };
}

/** The saved checkpoint, or undefined when it was written by an incompatible version (start afresh). */
export function parseCheckpoint(json: string): ReconcileCheckpoint | undefined {
  try {
    const value = JSON.parse(json) as Partial<ReconcileCheckpoint>;
    return value.version === CHECKPOINT_VERSION ? (value as ReconcileCheckpoint) : undefined;
  } catch {
    return undefined;
  }
}
