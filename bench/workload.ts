import type { ScimUser } from "../src/genesys/scim-user.ts";
import { oktaUserSchema } from "../src/okta/okta-user.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import type { OktaProfile, OktaProfileChanges, OktaSimulator } from "../sim/okta-simulator.ts";
import { mapOktaUser, scimBodyHash } from "../src/sync/scim-mapping.ts";

/**
 * The burst every contender faces: new hires, then a bulk edit in Okta that touches some of them
 * several times. Generated from a seed, so every run and every contender gets the same one.
 */
export interface WorkloadSpec {
  users: number;
  /** How many of the users the updates touch (each at least once). */
  updatedUsers: number;
  updates: number;
  seed: number;
}

/** 1,800 required writes: 18 s at a 100/s quota, two windows of a 1,000/min one. */
export const FULL_WORKLOAD: WorkloadSpec = { users: 1200, updatedUsers: 600, updates: 3000, seed: 20240611 };
export const QUICK_WORKLOAD: WorkloadSpec = { users: 400, updatedUsers: 200, updates: 1000, seed: 20240611 };

export interface Workload {
  spec: WorkloadSpec;
  profiles: OktaProfile[];
  /** In the order Okta applies (and then delivers) them: `user` indexes `profiles`. */
  updates: { user: number; changes: OktaProfileChanges }[];
}

const DEPARTMENTS = ["Sales", "Support", "Billing", "Retention", "Onboarding"];

export function buildWorkload(spec: WorkloadSpec): Workload {
  const random = mulberry32(spec.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const profiles: OktaProfile[] = [];
  for (let n = 1; n <= spec.users; n++) {
    profiles.push({
      login: `agent${n}@bench.example.com`,
      email: `agent${n}@bench.example.com`,
      firstName: "Agent",
      lastName: `Number${n}`,
      title: "Agent",
      department: DEPARTMENTS[n % DEPARTMENTS.length] ?? "Sales",
      employeeNumber: String(100_000 + n),
      primaryPhone: `+1 555 01${String(n).padStart(5, "0")}`,
    });
  }
  const touched = shuffle(
    Array.from({ length: spec.users }, (_, i) => i),
    random,
  ).slice(0, spec.updatedUsers);
  // Every touched user at least once, the rest at random among them: repeats are the point.
  const targets = touched.concat(
    Array.from(
      { length: Math.max(0, spec.updates - touched.length) },
      () => touched[pick(touched.length)] ?? 0,
    ),
  );
  const updates = shuffle(targets, random).map((user, j) => {
    const changes: OktaProfileChanges = { title: `Agent, revision ${j + 1}` };
    if (j % 3 === 0) changes["department"] = DEPARTMENTS[pick(DEPARTMENTS.length)];
    if (j % 5 === 0) changes["mobilePhone"] = `+1 555 02${String(pick(100_000)).padStart(5, "0")}`;
    return { user, changes };
  });
  return { spec, profiles, updates };
}

/** One Genesys write a correct client cannot avoid. */
export interface RequiredWrite {
  oktaUserId: string;
  kind: "create" | "replace";
  /** The SCIM body: the user as mapped at creation (create) or in its final state (replace). */
  body: ScimUser;
}

export interface CreatedUsers {
  ids: string[];
  events: OktaSystemLogEvent[];
  /** What each user mapped to right after creation: the body its create writes. */
  createdBodies: Map<string, ScimUser>;
}

export function applyCreates(okta: OktaSimulator, workload: Workload): CreatedUsers {
  const ids: string[] = [];
  const events: OktaSystemLogEvent[] = [];
  const createdBodies = new Map<string, ScimUser>();
  for (const profile of workload.profiles) {
    const change = okta.createUser(profile);
    ids.push(change.user.id);
    events.push(...change.events);
    const mapped = mapOktaUser(oktaUserSchema.parse(change.user));
    if (mapped.kind === "user") createdBodies.set(change.user.id, mapped.user);
  }
  return { ids, events, createdBodies };
}

/** Applies every update to the Okta org at once (a bulk edit) and returns the events it produced. */
export function applyUpdates(
  okta: OktaSimulator,
  workload: Workload,
  ids: readonly string[],
): OktaSystemLogEvent[] {
  const events: OktaSystemLogEvent[] = [];
  for (const { user, changes } of workload.updates) {
    events.push(...okta.updateProfile(ids[user] ?? "", changes).events);
  }
  return events;
}

/**
 * The least any correct client must write once the whole workload is known: one create per user
 * with the body it had when created, then one replace of the final state for each user whose final
 * state differs from that body (its intermediate states never need to reach Genesys). With the
 * update burst delivered after the creates have been written, that is users + updated users.
 */
export function requiredWrites(okta: OktaSimulator, created: CreatedUsers): RequiredWrite[] {
  const creates: RequiredWrite[] = [];
  const replaces: RequiredWrite[] = [];
  for (const id of created.ids) {
    const body = created.createdBodies.get(id);
    const user = okta.getUser(id);
    if (body === undefined || user === undefined) continue;
    creates.push({ oktaUserId: id, kind: "create", body });
    const final = mapOktaUser(oktaUserSchema.parse(user));
    if (final.kind === "user" && scimBodyHash(final.user) !== scimBodyHash(body)) {
      replaces.push({ oktaUserId: id, kind: "replace", body: final.user });
    }
  }
  return [...creates, ...replaces];
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A small seeded PRNG (mulberry32): the same workload on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
