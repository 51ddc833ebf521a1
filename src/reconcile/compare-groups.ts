import type { GenesysClient } from "../genesys/genesys-client.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import type { Store } from "../store/store.ts";
import type { GenesysSnapshot } from "./genesys-snapshot.ts";

/** One SYNC_GROUPS group as a reconcile found it. */
export interface GroupComparison {
  okta: string;
  genesys: string;
  /** in-step, differs (queued unless a dry run), missing (no Genesys group), no-okta-group. */
  state: "in-step" | "differs" | "missing" | "no-okta-group";
  /** Okta members the Genesys group lacks (Genesys ids), and members to take out. */
  add: number;
  remove: number;
  /** Okta members the bridge has not written to Genesys yet: the group sync waits for them. */
  notInGenesys: number;
  /** Genesys members no Okta user maps to: reported, never removed. */
  genesysOnly: string[];
}

export interface CompareGroupsContext {
  store: Pick<Store, "enqueueGroups">;
  okta: OktaClient;
  genesys: GenesysClient;
  groups: readonly { okta: string; genesys: string }[];
}

/**
 * The reconcile's look at the listed groups, after the users: each group's Okta membership against
 * its Genesys group's, Okta users recognised in the run's Genesys listing by externalId (so a dry run
 * needs no store). A Genesys member whose externalId is an Okta user outside the group is to be
 * removed, one with none is Genesys-only and kept. A group that differs is queued for the group sync,
 * which writes it; a dry run only reports. Bulk lane: it must not hold up live events.
 */
export async function compareGroups(
  ctx: CompareGroupsContext,
  snapshot: GenesysSnapshot,
  dryRun: boolean,
): Promise<GroupComparison[]> {
  const out: GroupComparison[] = [];
  for (const names of ctx.groups) {
    const empty = { ...names, add: 0, remove: 0, notInGenesys: 0, genesysOnly: [] };
    const oktaGroup = await ctx.okta.findGroup(names.okta, "bulk");
    if (oktaGroup === undefined) {
      out.push({ ...empty, state: "no-okta-group" });
      continue;
    }
    const group = await ctx.genesys.findGroup(names.genesys, "bulk");
    if (group === undefined) {
      out.push({ ...empty, state: "missing" });
      continue;
    }
    const members = (await ctx.okta.listGroupMembers(oktaGroup.id, "bulk")) ?? [];
    const wanted = new Set<string>();
    let notInGenesys = 0;
    for (const member of members) {
      const genesysId = snapshot.withExternalId(member.id)[0]?.resource.id;
      if (genesysId !== undefined) wanted.add(genesysId);
      else if (member.status !== "STAGED") notInGenesys++;
    }
    const inOkta = new Set(members.map((m) => m.id));
    const ownerOf = (id: string) => snapshot.byId(id)?.resource.externalId || undefined;
    const add = [...wanted].filter((id) => !group.members.includes(id)).length;
    const others = group.members.filter((id) => !wanted.has(id));
    const remove = others.filter((id) => {
      const owner = ownerOf(id);
      return owner !== undefined && !inOkta.has(owner);
    }).length;
    const genesysOnly = others.filter((id) => ownerOf(id) === undefined);
    const differs = add > 0 || remove > 0 || notInGenesys > 0;
    if (differs && !dryRun) await ctx.store.enqueueGroups([{ oktaGroupId: oktaGroup.id, name: names.okta }]);
    out.push({ ...names, state: differs ? "differs" : "in-step", add, remove, notInGenesys, genesysOnly });
  }
  return out;
}
