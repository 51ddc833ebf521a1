import type { Logger } from "../log.ts";
import { PermanentError } from "../errors.ts";
import type { GenesysClient } from "../genesys/genesys-client.ts";
import { scimString } from "../genesys/genesys-client.ts";
import type { ScimUser, ScimUserResource } from "../genesys/scim-user.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import type { PendingWork, UserRecord } from "../store/store.ts";
import { mapOktaUser, scimBodyHash } from "./scim-mapping.ts";
import type { UserDirectory } from "./user-directory.ts";

export type SyncResult = "created" | "updated" | "unchanged" | "deleted" | "skipped";

export interface SyncDeps {
  okta: OktaClient;
  genesys: GenesysClient;
  users: UserDirectory;
  log: Logger;
}

/**
 * Brings one user in Genesys to Okta's current state. Events carry ids, not values, so the state is
 * always read from Okta at the time of the sync: whatever order the events came in, the newest state
 * wins. Every Genesys request spends shared quota, so each path below uses as few as it can.
 */
export async function syncUser(work: PendingWork, deps: SyncDeps): Promise<SyncResult> {
  const { oktaUserId, lane } = work;
  const record = await deps.users.get(oktaUserId);
  if (work.action === "delete") return deleteUser(work, deps, record);

  const okta = await deps.okta.getUser(oktaUserId, lane);
  if (!okta) return deleteUser(work, deps, record); // gone from Okta: gone from Genesys
  const mapped = mapOktaUser(okta);
  if (mapped.kind === "not-yet") return "skipped";
  if (mapped.kind === "invalid") throw new PermanentError(mapped.reason);

  const user = mapped.user;
  const bodyHash = scimBodyHash(user);
  if (record?.genesysId && record.bodyHash === bodyHash && !record.deleted) return "unchanged";

  let genesysId = record?.deleted ? undefined : record?.genesysId;
  const byUserName = `userName eq ${scimString(user.userName)}`;
  const lookedUp = new Set<string>(); // filters already answered empty: asking again costs quota
  if (genesysId) {
    if ((await deps.genesys.replaceUser(genesysId, user, lane)) === "ok") {
      await deps.users.save({ oktaUserId, genesysId, bodyHash, deleted: false });
      return "updated";
    }
    genesysId = undefined; // deleted in Genesys behind our back: create it again below
  } else if (!work.created && !record) {
    // An update for a user the bridge has never written: one lookup decides between PUT and POST.
    genesysId = (await deps.genesys.findUsers(byUserName, lane))[0]?.id;
    lookedUp.add(byUserName);
    if (genesysId) {
      await putOrFail(deps, genesysId, user, lane);
      await deps.users.save({ oktaUserId, genesysId, bodyHash, deleted: false });
      return "updated";
    }
  }

  const created = await deps.genesys.createUser(user, lane);
  if (created !== "conflict") {
    await deps.users.save({ oktaUserId, genesysId: created.id, bodyHash, deleted: false });
    return "created";
  }
  // The userName is taken: most often by this very user (created before the bridge knew its id).
  const existing = await findExisting(deps.genesys, user, lane, lookedUp);
  if (!existing) {
    throw new PermanentError(
      `Genesys says userName ${user.userName} is taken, but no user with it can be found`,
      409,
    );
  }
  if (existing.externalId && existing.externalId !== oktaUserId) {
    throw new PermanentError(
      `Genesys userName ${user.userName} belongs to another user (externalId ${existing.externalId}), not Okta user ${oktaUserId}`,
      409,
    );
  }
  await putOrFail(deps, existing.id, user, lane);
  await deps.users.save({ oktaUserId, genesysId: existing.id, bodyHash, deleted: false });
  return "updated";
}

async function putOrFail(
  deps: SyncDeps,
  id: string,
  user: ScimUser,
  lane: PendingWork["lane"],
): Promise<void> {
  if ((await deps.genesys.replaceUser(id, user, lane)) === "not-found") {
    throw new PermanentError(`Genesys user ${id} vanished while ${user.userName} was being updated`, 404);
  }
}

/** By userName, then externalId, each among active users and then inactive ones (a plain list hides them). */
async function findExisting(
  genesys: GenesysClient,
  user: ScimUser,
  lane: PendingWork["lane"],
  alreadyEmpty: ReadonlySet<string>,
): Promise<ScimUserResource | undefined> {
  const filters = [
    `userName eq ${scimString(user.userName)}`,
    `externalId eq ${scimString(user.externalId)}`,
    `userName eq ${scimString(user.userName)} and active eq false`,
    `externalId eq ${scimString(user.externalId)} and active eq false`,
  ];
  for (const filter of filters) {
    if (alreadyEmpty.has(filter)) continue;
    const found = (await genesys.findUsers(filter, lane))[0];
    if (found) return found;
  }
  return undefined;
}

async function deleteUser(
  work: PendingWork,
  deps: SyncDeps,
  record: UserRecord | undefined,
): Promise<SyncResult> {
  const { oktaUserId, lane } = work;
  if (record?.deleted) return "skipped"; // already deleted: a repeated delete costs nothing
  let genesysId = record?.genesysId;
  // Created and deleted in Okta before the bridge wrote it: nobody else knows the new Okta id, so
  // no Genesys user can carry it as externalId — nothing to look up.
  if (!genesysId && !(work.created && !record)) {
    const found =
      (await deps.genesys.findUsers(`externalId eq ${scimString(oktaUserId)}`, lane))[0] ??
      (await deps.genesys.findUsers(`externalId eq ${scimString(oktaUserId)} and active eq false`, lane))[0];
    genesysId = found?.id;
  }
  if (genesysId) await deps.genesys.deleteUser(genesysId, lane);
  await deps.users.save({ oktaUserId, genesysId: undefined, bodyHash: undefined, deleted: true });
  return genesysId ? "deleted" : "skipped";
}
