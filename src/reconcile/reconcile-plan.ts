import type { ScimUserResource } from "../genesys/scim-user.ts";
import type { OktaUser } from "../okta/okta-user.ts";
import { DEFAULT_MAPPING, type Mapping } from "../sync/mapping.ts";
import { mapOktaUser, scimBodyHash, scimUserOf, type ManagerReference } from "../sync/scim-mapping.ts";
import { valuesOf } from "../sync/patch-operations.ts";
import { attributeChanges, ownedAttributes, type AttributeChange } from "./attribute-changes.ts";
import type { GenesysSnapshot } from "./genesys-snapshot.ts";

/** What a reconcile does about a user: write it (three kinds), or nothing and say why. */
export type ChangeKind = "create" | "update" | "deactivate";

export interface PlannedChange {
  kind: ChangeKind;
  oktaUserId: string;
  userName: string;
  /** The Genesys user to write; undefined for a create. */
  genesysId: string | undefined;
  changes: AttributeChange[];
  /**
   * What Genesys holds of the owned attributes, and its version: saved with the user's record so the
   * queued sync PATCHes the difference with If-Match and no lookup. Not part of the report.
   */
  held?: { written: string; version: string | undefined };
}

export interface UnchangedUser {
  kind: "unchanged";
  oktaUserId: string;
  genesysId: string;
  /** Genesys already holds this body: saved so that a later unchanged update costs nothing. */
  bodyHash: string;
  held: { written: string; version: string | undefined };
}

/** Nothing to write: STAGED, no usable userName, or inactive in Okta and absent from Genesys. */
export interface SkippedUser {
  kind: "skipped";
  oktaUserId: string;
  reason: string;
}

/** A write would fail on userName uniqueness: reported for a human, not queued to dead-letter. */
export interface ConflictingUser {
  kind: "conflict";
  oktaUserId: string;
  userName: string;
  /** The Genesys user holding the userName. */
  genesysId: string;
  /** The Okta user's own Genesys user (by externalId), when it has one: not "unknown". */
  ownGenesysId: string | undefined;
  reason: string;
}

/** A Genesys user no Okta user claims: reported, never deleted. */
export interface UnknownGenesysUser {
  genesysId: string;
  userName: string | undefined;
  externalId: string | undefined;
  active: boolean;
}

export type Verdict = PlannedChange | UnchangedUser | SkippedUser | ConflictingUser;

export interface PlanCounts {
  create: number;
  update: number;
  deactivate: number;
  unchanged: number;
  skipped: number;
  conflict: number;
  unknown: number;
}

export interface PlanSamples {
  create: PlannedChange[];
  update: PlannedChange[];
  deactivate: PlannedChange[];
  skipped: SkippedUser[];
  conflict: ConflictingUser[];
  unknown: UnknownGenesysUser[];
}

/** Counts of every kind and the first `sample` of each, for the dry-run plan and the report. */
export interface ReconcilePlan {
  sample: number;
  counts: PlanCounts;
  samples: PlanSamples;
}

export function emptyPlan(sample: number): ReconcilePlan {
  return {
    sample,
    counts: { create: 0, update: 0, deactivate: 0, unchanged: 0, skipped: 0, conflict: 0, unknown: 0 },
    samples: { create: [], update: [], deactivate: [], skipped: [], conflict: [], unknown: [] },
  };
}

/** Compares one Okta user, under the mapping, with the Genesys user it corresponds to. */
export function judgeUser(
  okta: OktaUser,
  snapshot: GenesysSnapshot,
  mapping: Mapping = DEFAULT_MAPPING,
): Verdict {
  const mapped = mapOktaUser(okta, mapping);
  if (mapped.kind !== "user") return { kind: "skipped", oktaUserId: okta.id, reason: mapped.reason };
  const want = mapped.user;
  const values = { ...mapped.values };
  let compared = ownedAttributes(mapping);
  const managerId = mapped.manager && managerInSnapshot(mapped.manager, snapshot);
  if (managerId !== undefined) values["manager"] = managerId;
  // A manager the snapshot cannot name is left to the sync, which waits for it to exist.
  else if (mapped.manager !== undefined) compared = compared.filter((a) => a !== "manager");
  const holder = snapshot.withUserName(want.userName);
  const conflict = (
    genesysId: string,
    ownGenesysId: string | undefined,
    reason: string,
  ): ConflictingUser => ({
    kind: "conflict",
    oktaUserId: okta.id,
    userName: want.userName,
    genesysId,
    ownGenesysId,
    reason,
  });

  let target = snapshot.withExternalId(okta.id).find((u) => !u.matched)?.resource;
  if (target === undefined && holder !== undefined) {
    const owner = holder.resource.externalId;
    if (holder.matched || (owner !== undefined && owner !== "" && owner !== okta.id)) {
      return conflict(
        holder.resource.id,
        undefined,
        `Genesys userName ${want.userName} belongs to another user (externalId ${owner ?? "none"})`,
      );
    }
    target = holder.resource;
  }
  if (target === undefined) {
    if (!want.active) {
      return {
        kind: "skipped",
        oktaUserId: okta.id,
        reason: `${okta.status} in Okta and absent from Genesys: not created only to be inactive`,
      };
    }
    return {
      kind: "create",
      oktaUserId: okta.id,
      userName: want.userName,
      genesysId: undefined,
      changes: attributeChanges(values, undefined, compared),
    };
  }
  if (holder !== undefined && holder.resource.id !== target.id) {
    return conflict(
      holder.resource.id,
      target.id,
      `renaming to ${want.userName} would clash with Genesys user ${holder.resource.id}, which holds that userName`,
    );
  }
  const changes = attributeChanges(values, target, compared);
  const held = { written: JSON.stringify(valuesOf(target, compared)), version: target.meta?.version };
  if (changes.length === 0) {
    const bodyHash = scimBodyHash(scimUserOf(values));
    return { kind: "unchanged", oktaUserId: okta.id, genesysId: target.id, bodyHash, held };
  }
  const kind: ChangeKind = isActive(target) && !want.active ? "deactivate" : "update";
  return { kind, oktaUserId: okta.id, userName: want.userName, genesysId: target.id, changes, held };
}

function managerInSnapshot(manager: ManagerReference, snapshot: GenesysSnapshot): string | undefined {
  if (manager.matchBy === "oktaId") return snapshot.withExternalId(manager.value)[0]?.resource.id;
  if (manager.matchBy === "userName") return snapshot.withUserName(manager.value)?.resource.id;
  return undefined;
}

export function tally(plan: ReconcilePlan, verdict: Verdict): void {
  plan.counts[verdict.kind] += 1;
  if (verdict.kind === "unchanged") return;
  const samples: Verdict[] = plan.samples[verdict.kind];
  if (samples.length >= plan.sample) return;
  if (verdict.kind === "skipped" || verdict.kind === "conflict") samples.push(verdict);
  else {
    const { held: _held, ...shown } = verdict;
    samples.push(shown);
  }
}

/** Genesys users that no Okta user (active or DEPROVISIONED) claimed. */
export function tallyUnknown(plan: ReconcilePlan, snapshot: GenesysSnapshot): void {
  for (const { resource } of snapshot.unmatched()) {
    plan.counts.unknown += 1;
    if (plan.samples.unknown.length < plan.sample) {
      plan.samples.unknown.push({
        genesysId: resource.id,
        userName: resource.userName,
        externalId: resource.externalId,
        active: isActive(resource),
      });
    }
  }
}

/** A plain SCIM list returns active users without saying so; only `active: false` means inactive. */
export function isActive(user: ScimUserResource): boolean {
  return user.active !== false;
}
