import type { UserChange } from "./user-change.ts";

/** A user's queued change as a store keeps it: the folded change, its version and when it is due. */
export interface PendingChange extends UserChange {
  /** Bumped by every fold, so a worker writing an older state learns that it must sync once more. */
  version: number;
  /** Not to be tried before this time (ms since the epoch; 0 = at once). */
  notBefore: number;
}

/**
 * The one place that says how changes for the same user combine, so that N events for a user, in one
 * delivery or many, cost one sync. A delete is final (Okta never reuses a user id), live beats bulk,
 * and the rest keeps the newest and the most telling of both.
 */
export function mergeChanges(a: UserChange, b: UserChange): UserChange {
  return {
    oktaUserId: a.oktaUserId,
    action: a.action === "delete" || b.action === "delete" ? "delete" : "sync",
    lane: a.lane === "live" || b.lane === "live" ? "live" : "bulk",
    published: a.published > b.published ? a.published : b.published,
    created: a.created || b.created,
  };
}

/**
 * Folds a change into what is pending for the user (nothing, or a queued change). Stores persist the
 * result and decide nothing themselves. A live change that meets bulk work waiting out a backoff makes
 * it due at once: an Okta event must not wait behind a reconcile retry.
 */
export function foldChange(pending: PendingChange | undefined, change: UserChange): PendingChange {
  if (pending === undefined) return { ...change, version: 1, notBefore: 0 };
  const merged = mergeChanges(pending, change);
  const promoted = pending.lane === "bulk" && change.lane === "live";
  return { ...merged, version: pending.version + 1, notBefore: promoted ? 0 : pending.notBefore };
}

/** Folds many changes into one per user, in order (a batch costs one read and one write per user). */
export function coalesceChanges(changes: Iterable<UserChange>): Map<string, UserChange> {
  const byUser = new Map<string, UserChange>();
  for (const change of changes) {
    const previous = byUser.get(change.oktaUserId);
    byUser.set(change.oktaUserId, previous === undefined ? change : mergeChanges(previous, change));
  }
  return byUser;
}
