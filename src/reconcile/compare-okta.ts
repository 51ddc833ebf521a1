import type { UserChange, UserRecord } from "../store/store.ts";
import type { GenesysSnapshot } from "./genesys-snapshot.ts";
import { listingPage } from "./listing-page.ts";
import { judgeUser, tally, tallyUnknown, type Verdict } from "./reconcile-plan.ts";
import { countPending, refreshUsage, type ReconcileSession, type RunContext } from "./reconcile-session.ts";

interface PageOutcome {
  changes: Pick<UserChange, "oktaUserId" | "created">[];
  /** Records for users the bridge knew nothing of: saved with the page. */
  users: UserRecord[];
  matched: string[];
}

/**
 * The compare phase: Okta's users, page by page (the active ones, then the deprovisioned ones), each
 * judged against the Genesys snapshot. A page's changes are queued in the bulk lane together with
 * the cursor after it, so a crash neither loses nor repeats them.
 */
export async function compareOkta(s: ReconcileSession, ctx: RunContext, signal: AbortSignal): Promise<void> {
  const o = s.cp.okta;
  while (s.cp.phase === "okta") {
    const deprovisioned = o.pass === "deprovisioned";
    const answer = await listingPage(
      ctx,
      `Okta ${o.pass} users`,
      () =>
        ctx.okta.listUsersPage("bulk", {
          deprovisioned,
          pageSize: ctx.oktaPageSize,
          ...(o.next === null ? {} : { from: o.next }),
        }),
      signal,
    );
    const outcome: PageOutcome = { changes: [], users: [], matched: [] };
    for (const user of answer.users) {
      const verdict = judgeUser(user, s.snapshot, ctx.mapping);
      tally(s.cp.plan, verdict);
      const claimed = claimedGenesysId(verdict, s.snapshot);
      if (claimed !== undefined) {
        s.snapshot.match(claimed);
        outcome.matched.push(claimed);
      }
      if (!s.dryRun) await prepare(ctx, verdict, outcome);
    }
    const published = new Date(ctx.clock.now()).toISOString();
    const changes = outcome.changes.map((c): UserChange => ({
      ...c,
      lane: "bulk",
      action: "sync",
      published,
    }));
    o.pages += 1;
    o.users += answer.users.length;
    s.cp.enqueued += changes.length;
    if (answer.next !== undefined) o.next = answer.next;
    else if (!deprovisioned) Object.assign(o, { pass: "deprovisioned", next: null });
    else {
      tallyUnknown(s.cp.plan, s.snapshot);
      s.cp.phase = "applying";
    }
    if (s.dryRun) continue;
    refreshUsage(s, ctx);
    await ctx.store.commitReconcileOktaPage(s.runId, {
      changes,
      users: outcome.users,
      matchedGenesysIds: outcome.matched,
      checkpoint: JSON.stringify(s.cp),
    });
    if (changes.length > 0) ctx.dispatcher.notify();
    await countPending(s, ctx);
  }
}

/**
 * Records what the run learned so the sync it queues goes straight to the write: the Genesys id,
 * what Genesys holds and its version (the PATCH is that difference, under If-Match, with no lookup),
 * and for a user already in step the body hash (a later unchanged update costs nothing). For a user to update, any stored hash is dropped: it may say "in step" about a
 * Genesys user someone changed since. A user the bridge has no record of is not in the directory's
 * cache either, so its record can be saved with the page (one transaction); a record that changes
 * goes through the directory, whose cache the dispatcher's syncs read.
 */
async function prepare(ctx: RunContext, verdict: Verdict, page: PageOutcome): Promise<void> {
  const { oktaUserId } = verdict;
  if (verdict.kind === "skipped" || verdict.kind === "conflict") return;
  const current = await ctx.users.get(oktaUserId);
  if (verdict.kind === "create") {
    page.changes.push({ oktaUserId, created: current === undefined });
    return;
  }
  const wanted: UserRecord = {
    oktaUserId,
    genesysId: verdict.genesysId,
    bodyHash: verdict.kind === "unchanged" ? verdict.bodyHash : undefined,
    deleted: false,
    ...(verdict.held === undefined ? {} : { written: verdict.held.written }),
    ...(verdict.held?.version === undefined ? {} : { version: verdict.held.version }),
  };
  if (current === undefined) page.users.push(wanted);
  else if (
    current.deleted ||
    current.genesysId !== wanted.genesysId ||
    current.bodyHash !== wanted.bodyHash ||
    current.written !== wanted.written ||
    current.version !== wanted.version
  ) {
    await ctx.users.save(wanted);
  }
  if (verdict.kind !== "unchanged") page.changes.push({ oktaUserId, created: false });
}

/** The Genesys user an Okta user accounts for: it is not "unknown", whatever else happens to it. */
function claimedGenesysId(verdict: Verdict, snapshot: GenesysSnapshot): string | undefined {
  switch (verdict.kind) {
    case "conflict":
      return verdict.ownGenesysId;
    case "skipped":
      return snapshot.withExternalId(verdict.oktaUserId).find((u) => !u.matched)?.resource.id;
    default:
      return verdict.genesysId;
  }
}
