import type { Logger } from "../log.ts";
import type { GenesysClient } from "../genesys/genesys-client.ts";
import type { GenesysGroup } from "../genesys/genesys-groups.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import type { OktaUser } from "../okta/okta-user.ts";
import type { PendingGroupWork, Store } from "../store/store.ts";
import type { UserDirectory } from "./user-directory.ts";

export type GroupSyncResult =
  /** Genesys has the Okta membership (members nobody maps to left as they were). */
  | { kind: "synced"; genesysGroup: string; added: number; removed: number; members: number }
  /** Some Okta members are not in Genesys yet: their syncs are queued, the group is looked at again. */
  | { kind: "waiting"; genesysGroup: string; waitingFor: string[] }
  /** Genesys has no group of that name (SCIM cannot create one): reported, not retried. */
  | { kind: "missing"; genesysGroup: string }
  /** No longer listed in SYNC_GROUPS, or gone from Okta: nothing is written. */
  | { kind: "skipped"; reason: string };

export interface GroupSyncDeps {
  okta: OktaClient;
  genesys: GenesysClient;
  store: Pick<Store, "ownersOf" | "enqueue">;
  users: UserDirectory;
  log: Logger;
  /** The Genesys group an Okta group goes to, or undefined when SYNC_GROUPS does not list it. */
  genesysNameOf(oktaGroupName: string): string | undefined;
  now?: () => number;
  /** User syncs were queued for members not in Genesys yet. */
  onUsersQueued?: () => void;
}

/** A stale If-Match on the group means someone else changed it: re-read and diff again, a few times. */
const MAX_STALE = 3;

/**
 * Times a group is looked at again while members are being created. Until the last, nothing is
 * written: one PATCH once everyone exists beats one per look (quota is the scarce thing); at the last,
 * the members that exist are written and the rest wait for the next membership event or reconcile.
 */
export const MAX_GROUP_WAITS = 10;

/**
 * Brings one Genesys group's membership to the Okta group's. Events only say that the group changed:
 * its whole membership is read from Okta now, so the final membership wins whatever order events came
 * in, and many events cost one PATCH. Only members that map to Okta users the bridge knows are removed;
 * anyone else an admin put in the Genesys group stays. Users are never deactivated here.
 */
export async function syncGroup(work: PendingGroupWork, deps: GroupSyncDeps): Promise<GroupSyncResult> {
  const genesysName = deps.genesysNameOf(work.name);
  if (genesysName === undefined) return { kind: "skipped", reason: `${work.name} is not in SYNC_GROUPS` };
  const members = await deps.okta.listGroupMembers(work.oktaGroupId, "live");
  if (members === undefined) return { kind: "skipped", reason: `Okta group ${work.name} no longer exists` };
  const { wanted, waitingFor } = await genesysIdsOf(members, deps);
  // Checked before Genesys is asked anything: a wait costs no Genesys request.
  if (waitingFor.length > 0 && work.attempts < MAX_GROUP_WAITS) {
    await queueUserSyncs(waitingFor, deps);
    return { kind: "waiting", genesysGroup: genesysName, waitingFor };
  }
  let group = await deps.genesys.findGroup(genesysName, "live");
  if (group === undefined) return { kind: "missing", genesysGroup: genesysName };

  const inOkta = new Set(members.map((m) => m.id));
  for (let attempt = 0; attempt < MAX_STALE; attempt++) {
    const { add, remove } = await planMembership(group, wanted, inOkta, deps);
    const counts = { genesysGroup: genesysName, added: add.length, removed: remove.length };
    if (add.length > 0 || remove.length > 0) {
      const answer = await deps.genesys.patchGroupMembers(group.id, { add, remove }, group.version, "live");
      if (answer === "not-found") return { kind: "missing", genesysGroup: genesysName };
      if (answer === "stale") {
        const reread: GenesysGroup | undefined = await deps.genesys.getGroup(group.id, "live");
        if (reread === undefined) return { kind: "missing", genesysGroup: genesysName };
        group = reread;
        continue;
      }
    }
    return { kind: "synced", ...counts, members: wanted.size };
  }
  throw new Error(`Genesys group ${genesysName} kept changing while its members were being updated`);
}

/** STAGED users are not pushed; DEPROVISIONED ones are members only if Genesys already has them. */
const NOT_AWAITED: ReadonlySet<OktaUser["status"]> = new Set(["STAGED", "DEPROVISIONED"]);

/** The Genesys ids of the Okta members the bridge has written, and the members still to be created. */
async function genesysIdsOf(members: readonly OktaUser[], deps: GroupSyncDeps) {
  const wanted = new Set<string>();
  const waitingFor: string[] = [];
  for (const member of members) {
    const record = await deps.users.get(member.id);
    const genesysId = record && !record.deleted ? record.genesysId : undefined;
    if (genesysId !== undefined) wanted.add(genesysId);
    else if (!NOT_AWAITED.has(member.status)) waitingFor.push(member.id);
  }
  return { wanted, waitingFor };
}

async function planMembership(
  group: GenesysGroup,
  wanted: ReadonlySet<string>,
  inOkta: ReadonlySet<string>,
  deps: GroupSyncDeps,
) {
  const current = new Set(group.members);
  const add = [...wanted].filter((id) => !current.has(id));
  const others = group.members.filter((id) => !wanted.has(id));
  const owners = others.length === 0 ? new Map<string, string>() : await deps.store.ownersOf(others);
  // A Genesys member is removed only when it is an Okta user the bridge knows who left the group.
  const remove = others.filter((id) => {
    const owner = owners.get(id);
    return owner !== undefined && !inOkta.has(owner);
  });
  return { add, remove };
}

async function queueUserSyncs(oktaUserIds: readonly string[], deps: GroupSyncDeps): Promise<void> {
  const published = new Date(deps.now?.() ?? Date.now()).toISOString();
  await deps.store.enqueue(
    oktaUserIds.map((oktaUserId) => ({
      oktaUserId,
      action: "sync",
      lane: "live",
      published,
      created: false,
    })),
  );
  deps.onUsersQueued?.();
}
