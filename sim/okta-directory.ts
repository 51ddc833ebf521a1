import type { OktaEventFactory, OktaEventTarget, OktaEventType, OktaSystemLogEvent } from "./okta-events.ts";
import { oktaId, userTarget, type OktaProfile, type OktaUser, type OktaUserStatus } from "./okta-user.ts";

/** The user after the change, and the events Okta would write to the System Log for it. */
export interface OktaChange {
  user: OktaUser;
  events: OktaSystemLogEvent[];
}

/** Profile changes: `null` removes an attribute. */
export type OktaProfileChanges = { [attribute: string]: unknown };

export class OktaLifecycleError extends Error {
  override name = "OktaLifecycleError";
}

/**
 * The Okta org's users and the lifecycle rules of the Users API, with the System Log events each
 * change produces. Status transitions follow the lifecycle operations
 * (developer.okta.com/docs/reference/api/users/#lifecycle-operations).
 */
export class OktaDirectory {
  readonly #users = new Map<string, OktaUser>();
  readonly #idByLogin = new Map<string, string>();
  /** Users in creation order, for cursor paging; `#sequence` survives deletion so old cursors work. */
  readonly #ordered: OktaUser[] = [];
  readonly #sequence = new Map<string, number>();
  readonly #groups = new Map<string, { id: string; members: Set<string> }>();
  #nextSequence = 0;

  constructor(
    readonly events: OktaEventFactory,
    readonly now: () => number,
    readonly userUrl: (id: string) => string,
  ) {}

  create(profile: OktaProfile, status: "STAGED" | "PROVISIONED" | "ACTIVE" = "ACTIVE"): OktaChange {
    if (this.#idByLogin.has(profile.login.toLowerCase())) {
      throw new OktaLifecycleError(
        `login: An object with this field already exists in the current organization`,
      );
    }
    const id = oktaId("00u");
    const time = this.#time();
    const user: OktaUser = {
      id,
      status,
      created: time,
      activated: status === "ACTIVE" ? time : null,
      statusChanged: status === "STAGED" ? null : time,
      lastLogin: null,
      lastUpdated: time,
      passwordChanged: null,
      type: { id: "otySimulatedDefault01" },
      profile: { ...profile },
      credentials: { provider: { type: "OKTA", name: "OKTA" } },
      _links: { self: { href: this.userUrl(id) } },
    };
    this.#users.set(id, user);
    this.#idByLogin.set(profile.login.toLowerCase(), id);
    this.#sequence.set(id, this.#nextSequence++);
    this.#ordered.push(user);
    const transaction = this.events.transaction();
    const events = [this.events.event("user.lifecycle.create", [userTarget(user)], transaction)];
    if (status === "ACTIVE")
      events.push(this.events.event("user.lifecycle.activate", [userTarget(user)], transaction));
    return { user, events };
  }

  updateProfile(id: string, changes: OktaProfileChanges): OktaChange {
    const user = this.#existing(id);
    const changed = Object.keys(changes).filter((key) => user.profile[key] !== (changes[key] ?? undefined));
    if (changed.length === 0) return { user, events: [] };
    const login = changes["login"];
    if (typeof login === "string" && login.toLowerCase() !== user.profile.login.toLowerCase()) {
      if (this.#idByLogin.has(login.toLowerCase()))
        throw new OktaLifecycleError(`login ${login} is already in use`);
      this.#idByLogin.delete(user.profile.login.toLowerCase());
      this.#idByLogin.set(login.toLowerCase(), id);
    }
    for (const key of changed) {
      if (changes[key] === null || changes[key] === undefined) delete user.profile[key];
      else user.profile[key] = changes[key];
    }
    user.lastUpdated = this.#time();
    // changedAttributes is undocumented: a hint for the bridge, never the new values.
    return this.#emit(user, "user.account.update_profile", { changedAttributes: changed.join(",") });
  }

  activate(id: string): OktaChange {
    return this.#transition(
      id,
      ["STAGED", "PROVISIONED", "DEPROVISIONED"],
      "ACTIVE",
      "user.lifecycle.activate",
    );
  }

  suspend(id: string): OktaChange {
    return this.#transition(id, ["ACTIVE"], "SUSPENDED", "user.lifecycle.suspend");
  }

  unsuspend(id: string): OktaChange {
    return this.#transition(id, ["SUSPENDED"], "ACTIVE", "user.lifecycle.unsuspend");
  }

  deactivate(id: string): OktaChange {
    const allowed: OktaUserStatus[] = [
      "STAGED",
      "PROVISIONED",
      "ACTIVE",
      "RECOVERY",
      "LOCKED_OUT",
      "PASSWORD_EXPIRED",
      "SUSPENDED",
    ];
    return this.#transition(id, allowed, "DEPROVISIONED", "user.lifecycle.deactivate");
  }

  /** A deactivated user brought back waits for activation, as PROVISIONED. */
  reactivate(id: string): OktaChange {
    return this.#transition(id, ["DEPROVISIONED", "PROVISIONED"], "PROVISIONED", "user.lifecycle.reactivate");
  }

  /** Okta deletes only deactivated users; afterwards the Users API answers 404. */
  delete(id: string): OktaChange {
    const user = this.#existing(id);
    if (user.status !== "DEPROVISIONED")
      throw new OktaLifecycleError(`Cannot delete user ${id}: deactivate it first`);
    const change = this.#emit(user, "user.lifecycle.delete.initiated");
    this.#users.delete(id);
    this.#idByLogin.delete(user.profile.login.toLowerCase());
    this.#ordered.splice(this.#position(this.#sequence.get(id) ?? 0), 1);
    for (const group of this.#groups.values()) group.members.delete(id);
    return change;
  }

  addToGroup(id: string, groupName: string): OktaChange {
    const group = this.#group(groupName);
    group.members.add(this.#existing(id).id);
    return this.#groupChange(id, groupName, group.id, "group.user_membership.add");
  }

  removeFromGroup(id: string, groupName: string): OktaChange {
    const group = this.#group(groupName);
    group.members.delete(this.#existing(id).id);
    return this.#groupChange(id, groupName, group.id, "group.user_membership.remove");
  }

  /** A group by id: its name and its members' ids, in the order they joined. */
  group(groupId: string): { id: string; name: string; members: string[] } | undefined {
    for (const [name, group] of this.#groups) {
      if (group.id === groupId) return { id: group.id, name, members: [...group.members] };
    }
    return undefined;
  }

  groupNamed(name: string): { id: string; name: string; members: string[] } | undefined {
    const group = this.#groups.get(name);
    return group === undefined ? undefined : { id: group.id, name, members: [...group.members] };
  }

  groupNames(): string[] {
    return [...this.#groups.keys()];
  }

  /** Creates an empty group (Okta admins create groups before adding anyone). */
  ensureGroup(name: string): string {
    return this.#group(name).id;
  }

  groupsOf(id: string): string[] {
    return [...this.#groups].filter(([, group]) => group.members.has(id)).map(([name]) => name);
  }

  /** By id or by login, as `GET /api/v1/users/{idOrLogin}` accepts both. */
  find(idOrLogin: string): OktaUser | undefined {
    return this.#users.get(idOrLogin) ?? this.#users.get(this.#idByLogin.get(idOrLogin.toLowerCase()) ?? "");
  }

  all(): readonly OktaUser[] {
    return this.#ordered;
  }

  /**
   * One page in creation order after the cursor (the id of the last user of the previous page).
   * Returns undefined for a cursor the directory never issued.
   */
  page(
    after: string | undefined,
    limit: number,
    include: (user: OktaUser) => boolean,
  ): { users: OktaUser[]; next: string | undefined } | undefined {
    const afterSequence = after === undefined ? -1 : this.#sequence.get(after);
    if (afterSequence === undefined) return undefined;
    const users: OktaUser[] = [];
    for (let index = this.#position(afterSequence + 1); index < this.#ordered.length; index += 1) {
      const user = this.#ordered[index];
      if (user === undefined || !include(user)) continue;
      if (users.length === limit) return { users, next: users.at(-1)?.id };
      users.push(user);
    }
    return { users, next: undefined };
  }

  /** Index of the first user whose sequence is at least `sequence` (binary search). */
  #position(sequence: number): number {
    let low = 0;
    let high = this.#ordered.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.#sequence.get(this.#ordered[middle]?.id ?? "") ?? 0) < sequence) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #transition(id: string, from: OktaUserStatus[], to: OktaUserStatus, eventType: OktaEventType): OktaChange {
    const user = this.#existing(id);
    if (!from.includes(user.status))
      throw new OktaLifecycleError(`Cannot ${eventType.split(".").at(-1)} a user that is ${user.status}`);
    const time = this.#time();
    user.status = to;
    user.statusChanged = time;
    user.lastUpdated = time;
    if (to === "ACTIVE" && user.activated === null) user.activated = time;
    return this.#emit(user, eventType);
  }

  #groupChange(id: string, groupName: string, groupId: string, eventType: OktaEventType): OktaChange {
    const user = this.#existing(id);
    const group: OktaEventTarget = {
      id: groupId,
      type: "UserGroup",
      alternateId: groupName,
      displayName: groupName,
      detailEntry: null,
    };
    return {
      user,
      events: [this.events.event(eventType, [userTarget(user), group], this.events.transaction())],
    };
  }

  #emit(user: OktaUser, eventType: OktaEventType, debugData: Record<string, string> = {}): OktaChange {
    return {
      user,
      events: [this.events.event(eventType, [userTarget(user)], this.events.transaction(), debugData)],
    };
  }

  #existing(id: string): OktaUser {
    const user = this.#users.get(id);
    if (user === undefined) throw new OktaLifecycleError(`Not found: Resource not found: ${id} (User)`);
    return user;
  }

  #group(name: string): { id: string; members: Set<string> } {
    let group = this.#groups.get(name);
    if (group === undefined) {
      group = { id: oktaId("00g"), members: new Set() };
      this.#groups.set(name, group);
    }
    return group;
  }

  #time(): string {
    return new Date(this.now()).toISOString();
  }
}
