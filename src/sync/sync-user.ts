import type { Logger } from "../log.ts";
import { PermanentError, RetryLaterError } from "../errors.ts";
import type { GenesysClient, Written } from "../genesys/genesys-client.ts";
import { scimString } from "../genesys/genesys-client.ts";
import type { ScimUserResource } from "../genesys/scim-user.ts";
import type { OktaClient } from "../okta/okta-client.ts";
import { ownedAttributes } from "../reconcile/attribute-changes.ts";
import type { PendingWork, UserRecord } from "../store/store.ts";
import type { ManagerResolver } from "./manager-resolver.ts";
import { DEFAULT_MAPPING, type Mapping } from "./mapping.ts";
import { patchOperations, valuesOf } from "./patch-operations.ts";
import { mapOktaUser, scimBodyHash, scimUserOf, type MappedValues } from "./scim-mapping.ts";
import type { UserDirectory } from "./user-directory.ts";

export type SyncResult = "created" | "updated" | "unchanged" | "deleted" | "skipped";

export interface SyncDeps {
  okta: OktaClient;
  genesys: GenesysClient;
  users: UserDirectory;
  log: Logger;
  mapping?: Mapping;
  /** Needed when the mapping maps `manager`. */
  managers?: ManagerResolver;
}

/** What one write aims at: the values, and the attributes the bridge owns (the only ones it touches). */
interface Target {
  oktaUserId: string;
  lane: PendingWork["lane"];
  wanted: MappedValues;
  owned: readonly string[];
  bodyHash: string;
}

/** What Genesys held when last seen, and its version. */
interface Held {
  values: MappedValues;
  version: string | undefined;
}

/** A stale If-Match means someone else wrote meanwhile: re-read and retry, a few times at most. */
const MAX_STALE = 3;

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
  const mapping = deps.mapping ?? DEFAULT_MAPPING;
  const mapped = mapOktaUser(okta, mapping);
  if (mapped.kind === "not-yet") return "skipped";
  if (mapped.kind === "invalid") throw new PermanentError(mapped.reason);

  const wanted = { ...mapped.values };
  let owned = ownedAttributes(mapping);
  let waitingFor: string | undefined;
  if (mapped.manager && deps.managers) {
    const managerId = await deps.managers.resolve(mapped.manager, lane);
    if (managerId !== undefined) wanted["manager"] = managerId;
    else {
      // Write the rest now; the manager is left as it is and set on a retry once it exists.
      owned = owned.filter((a) => a !== "manager");
      waitingFor = mapped.manager.value;
    }
  }
  const target = { oktaUserId, lane, wanted, owned, bodyHash: scimBodyHash(scimUserOf(wanted)) };
  const result = await write(work, deps, record, target);
  if (waitingFor !== undefined) {
    throw new RetryLaterError(`the manager ${waitingFor} of Okta user ${oktaUserId} is not in Genesys yet`);
  }
  return result;
}

async function write(
  work: PendingWork,
  deps: SyncDeps,
  record: UserRecord | undefined,
  target: Target,
): Promise<SyncResult> {
  const { wanted, lane } = target;
  const userName = wanted["userName"] as string;
  if (record?.genesysId && record.bodyHash === target.bodyHash && !record.deleted) return "unchanged";

  const lookedUp = new Set<string>(); // filters already answered empty: asking again costs quota
  if (record?.genesysId && !record.deleted) {
    const values = record.written === undefined ? undefined : parseWritten(record.written);
    const held = values === undefined ? undefined : { values, version: record.version };
    const done = await patchToward(deps, record.genesysId, target, held);
    if (done) return saved(deps, target, done, "updated");
    // deleted in Genesys behind our back: create it again below
  } else if (!work.created && !record) {
    // An update for a user the bridge has never written: look it up before creating a duplicate.
    const existing = await findExisting(deps.genesys, target, lookedUp, false);
    if (existing) return adopt(deps, target, existing);
  }

  const created = await deps.genesys.createUser(scimUserOf(wanted), lane);
  if (created !== "conflict") return saved(deps, target, created, "created");
  // The userName is taken: most often by this very user (created before the bridge knew its id).
  const existing = await findExisting(deps.genesys, target, lookedUp, true);
  if (!existing) {
    throw new PermanentError(
      `Genesys says userName ${userName} is taken, but no user with it can be found`,
      409,
    );
  }
  return adopt(deps, target, existing);
}

/**
 * The ownership rule, the same on every path: an existing Genesys user is adopted only when its
 * externalId is empty or already this Okta user's id. Anyone else's user is never overwritten.
 */
async function adopt(deps: SyncDeps, target: Target, existing: ScimUserResource): Promise<SyncResult> {
  if (existing.externalId && existing.externalId !== target.oktaUserId) {
    throw new PermanentError(
      `Genesys user ${existing.id} (userName ${existing.userName ?? "?"}) belongs to another user (externalId ${existing.externalId}), not Okta user ${target.oktaUserId}`,
      409,
    );
  }
  const held = { values: valuesOf(existing, target.owned), version: existing.meta?.version };
  const done = await patchToward(deps, existing.id, target, held);
  if (!done) throw new PermanentError(`Genesys user ${existing.id} vanished while it was being updated`, 404);
  return saved(deps, target, done, "updated");
}

/**
 * PATCHes the owned attributes that differ from what Genesys held, with If-Match on that version: a
 * diff computed against one version must not land on another. Without a known state, or when the
 * version is stale (someone else wrote), the user is read first. Undefined: the user is gone.
 */
async function patchToward(
  deps: SyncDeps,
  genesysId: string,
  target: Target,
  known: Held | undefined,
): Promise<Written | undefined> {
  let held = known;
  for (let attempt = 0; attempt < MAX_STALE; attempt++) {
    if (held === undefined) {
      const resource = await deps.genesys.getUser(genesysId, target.lane);
      if (resource === undefined) return undefined;
      held = { values: valuesOf(resource, target.owned), version: resource.meta?.version };
    }
    const operations = patchOperations(held.values, target.wanted, target.owned);
    if (operations.length === 0) return { id: genesysId, version: held.version };
    const answer = await deps.genesys.patchUser(genesysId, operations, held.version, target.lane);
    if (answer === "not-found") return undefined;
    if (answer !== "stale") return answer;
    held = undefined;
  }
  throw new RetryLaterError(`Genesys user ${genesysId} kept changing while it was being updated`);
}

async function saved(deps: SyncDeps, target: Target, done: Written, result: SyncResult): Promise<SyncResult> {
  const written: MappedValues = {};
  for (const name of target.owned) {
    const value = target.wanted[name];
    if (value !== undefined) written[name] = value;
  }
  await deps.users.save({
    oktaUserId: target.oktaUserId,
    genesysId: done.id,
    bodyHash: target.bodyHash,
    deleted: false,
    written: JSON.stringify(written),
    ...(done.version === undefined ? {} : { version: done.version }),
  });
  return result;
}

function parseWritten(text: string): MappedValues | undefined {
  try {
    return JSON.parse(text) as MappedValues;
  } catch {
    return undefined;
  }
}

/**
 * By externalId, then userName, each among active users and then inactive ones (a plain list hides
 * them). `taken`: Genesys said the userName is in use, so the userName lookups come first.
 */
async function findExisting(
  genesys: GenesysClient,
  target: Target,
  alreadyEmpty: Set<string>,
  taken: boolean,
): Promise<ScimUserResource | undefined> {
  const byUserName = `userName eq ${scimString(target.wanted["userName"] as string)}`;
  const byExternalId = `externalId eq ${scimString(target.oktaUserId)}`;
  const filters = taken
    ? [byUserName, byExternalId, `${byUserName} and active eq false`, `${byExternalId} and active eq false`]
    : [byExternalId, byUserName];
  for (const filter of filters) {
    if (alreadyEmpty.has(filter)) continue;
    const found = (await genesys.findUsers(filter, target.lane))[0];
    if (found) return found;
    alreadyEmpty.add(filter);
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
