import type { ScimUserResource } from "../genesys/scim-user.ts";

/** A Genesys user as a reconcile run listed it. */
export interface SnapshotUser {
  resource: ScimUserResource;
  /** An Okta user has claimed it; the ones left unclaimed at the end are reported as unknown. */
  matched: boolean;
}

/**
 * Every Genesys user a run has listed (active and inactive), indexed the two ways an Okta user is
 * recognised: externalId = the Okta id, else the same userName (case-insensitive, as Genesys
 * compares userNames).
 */
export class GenesysSnapshot {
  readonly #byId = new Map<string, SnapshotUser>();
  readonly #byExternalId = new Map<string, Set<string>>();
  readonly #byUserName = new Map<string, string>();

  get size(): number {
    return this.#byId.size;
  }

  /** Adds or replaces a user (a user seen on two pages, or in both lists, is kept once). */
  add(resource: ScimUserResource, matched = false): void {
    const previous = this.#byId.get(resource.id);
    if (previous) this.#unindex(previous.resource);
    this.#byId.set(resource.id, { resource, matched: matched || (previous?.matched ?? false) });
    if (resource.externalId) {
      const ids = this.#byExternalId.get(resource.externalId) ?? new Set<string>();
      ids.add(resource.id);
      this.#byExternalId.set(resource.externalId, ids);
    }
    if (resource.userName) this.#byUserName.set(resource.userName.toLowerCase(), resource.id);
  }

  /** Users carrying this Okta id as externalId, unclaimed ones first, then active before inactive. */
  withExternalId(oktaUserId: string): SnapshotUser[] {
    const users = [...(this.#byExternalId.get(oktaUserId) ?? [])].flatMap((id) => this.#byId.get(id) ?? []);
    const rank = (u: SnapshotUser) => (u.matched ? 2 : 0) + (u.resource.active === false ? 1 : 0);
    return users.sort((a, b) => rank(a) - rank(b));
  }

  byId(genesysId: string): SnapshotUser | undefined {
    return this.#byId.get(genesysId);
  }

  withUserName(userName: string): SnapshotUser | undefined {
    const id = this.#byUserName.get(userName.toLowerCase());
    return id === undefined ? undefined : this.#byId.get(id);
  }

  match(genesysId: string): void {
    const user = this.#byId.get(genesysId);
    if (user) user.matched = true;
  }

  unmatched(): SnapshotUser[] {
    return [...this.#byId.values()].filter((u) => !u.matched);
  }

  count(active: boolean): number {
    let n = 0;
    for (const u of this.#byId.values()) if ((u.resource.active !== false) === active) n++;
    return n;
  }

  #unindex(resource: ScimUserResource): void {
    if (resource.externalId) this.#byExternalId.get(resource.externalId)?.delete(resource.id);
    if (resource.userName && this.#byUserName.get(resource.userName.toLowerCase()) === resource.id)
      this.#byUserName.delete(resource.userName.toLowerCase());
  }
}
