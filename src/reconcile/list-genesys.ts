import { SCIM_MAX_PAGE, type GenesysClient } from "../genesys/genesys-client.ts";
import type { ScimUserResource } from "../genesys/scim-user.ts";
import { listingPage } from "./listing-page.ts";
import { refreshUsage, type ReconcileSession, type RunContext } from "./reconcile-session.ts";

type GenesysPage = Awaited<ReturnType<GenesysClient["listUsers"]>>;

/** Genesys listing pages requested ahead of the one being saved. */
const LISTING_PAGES_AHEAD = 4;

/**
 * The listing phase: every Genesys user into the run's snapshot, in pages of 25 (more may be
 * refused), active users then inactive ones. Once a list's total is known, a few pages are requested
 * ahead so that the listing keeps up with the quota rather than with the round trip; they are still
 * taken, and saved with the cursor, strictly in order.
 */
export async function listGenesys(s: ReconcileSession, ctx: RunContext, signal: AbortSignal): Promise<void> {
  const g = s.cp.genesys;
  const ahead = new Map<string, Promise<GenesysPage>>();
  const fetchPage = (pass: "active" | "inactive", startIndex: number) => {
    const key = `${pass}:${startIndex}`;
    let pending = ahead.get(key);
    if (pending === undefined) {
      const filter = pass === "inactive" ? "active eq false" : undefined;
      pending = listingPage(
        ctx,
        `Genesys ${pass} users from ${startIndex}`,
        () => ctx.genesys.listUsers(filter, startIndex, SCIM_MAX_PAGE, "bulk"),
        signal,
      ).then((answer) => {
        s.cp.usage.listingRequests += 1;
        return answer;
      });
      pending.catch(() => undefined); // awaited below, or dropped when the run stops
      ahead.set(key, pending);
    }
    return pending;
  };
  try {
    while (s.cp.phase === "genesys") {
      const { pass, startIndex } = g;
      const total = g.totals[pass];
      for (let i = 1; total !== null && i < LISTING_PAGES_AHEAD; i++) {
        const next = startIndex + i * SCIM_MAX_PAGE;
        if (next > total) break;
        void fetchPage(pass, next);
      }
      const answer = await fetchPage(pass, startIndex);
      ahead.delete(`${pass}:${startIndex}`);
      g.pages += 1;
      g.totals[pass] = answer.totalResults;
      g.listed[pass] += answer.users.length;
      const listed = answer.users.map(withoutMeta);
      for (const user of listed) s.snapshot.add(pass === "inactive" ? { ...user, active: false } : user);
      const next = startIndex + answer.users.length;
      if (answer.users.length > 0 && next <= answer.totalResults) g.startIndex = next;
      else if (pass === "active") Object.assign(g, { pass: "inactive", startIndex: 1 });
      else s.cp.phase = "okta";
      if (s.dryRun) continue;
      refreshUsage(s, ctx);
      await ctx.store.addReconcileGenesysPage(
        s.runId,
        listed.map((u) => ({ genesysId: u.id, json: JSON.stringify(u) })),
        JSON.stringify(s.cp),
      );
    }
  } finally {
    // Pages requested ahead that the list turned out not to need (it shrank meanwhile, or the run
    // stopped): let them land rather than leave requests behind.
    await Promise.allSettled(ahead.values());
  }
}

/** meta changes with every write and is not compared: not worth a byte of the snapshot. */
function withoutMeta(user: ScimUserResource): ScimUserResource {
  const { meta: _meta, ...rest } = user;
  return rest;
}
