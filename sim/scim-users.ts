import { randomUUID } from "node:crypto";
import {
  conjunctionTerms,
  filterAttributes,
  FilterSyntaxError,
  matchesFilter,
  parseScimFilter,
  type ScimFilter,
} from "./scim-filter.ts";
import { ScimError } from "./scim-error.ts";
import { applyScimPatch } from "./scim-patch.ts";
import { filterValues, isKnownFilterAttribute } from "./scim-user-filter.ts";
import {
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  GENESYS_USER_SCHEMA,
  parseScimUserAttributes,
  type ScimUser,
  type ScimUserAttributes,
} from "./scim-user-schema.ts";

export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

export interface ScimListResponse {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: ScimUser[];
}

/**
 * Genesys Cloud's user directory as SCIM sees it. userName is unique across the org, inactive users
 * included, and compared case-insensitively (it is an email address). Lookups by id, userName,
 * externalId and email go through indexes so that the benchmark's hundreds of requests a second cost
 * O(1) each, whatever the directory's size.
 */
export class ScimUserStore {
  readonly #byId = new Map<string, ScimUser>();
  readonly #idByUserName = new Map<string, string>();
  readonly #idsByExternalId = new Map<string, Set<string>>();
  readonly #idsByEmail = new Map<string, Set<string>>();

  constructor(
    readonly locationOf: (id: string) => string,
    readonly now: () => number,
  ) {}

  create(input: unknown, id: string = randomUUID()): ScimUser {
    const attributes = parseScimUserAttributes(input);
    if (this.#byId.has(id)) throw new ScimError(409, "uniqueness", `A user with id ${id} already exists`);
    this.#assertUserNameFree(attributes.userName, undefined);
    const time = new Date(this.now()).toISOString();
    const user = this.#build(attributes, id, true, {
      resourceType: "User",
      created: time,
      lastModified: time,
      location: this.locationOf(id),
      version: 'W/"1"',
    });
    this.#index(user);
    return user;
  }

  get(id: string): ScimUser | undefined {
    return this.#byId.get(id);
  }

  /** PUT: the mapped attributes are replaced; `active` stays as it was when the body leaves it out. */
  replace(id: string, input: unknown, ifMatch: string | undefined): ScimUser {
    const existing = this.#existing(id, ifMatch);
    const attributes = parseScimUserAttributes(input);
    this.#assertUserNameFree(attributes.userName, id);
    return this.#store(existing, attributes);
  }

  patch(id: string, body: unknown, ifMatch: string | undefined): ScimUser {
    const existing = this.#existing(id, ifMatch);
    const { schemas: _schemas, id: _id, meta: _meta, ...current } = existing;
    const draft = structuredClone(current) as Record<string, unknown>;
    applyScimPatch(draft, body);
    const attributes = parseScimUserAttributes(draft);
    this.#assertUserNameFree(attributes.userName, id);
    return this.#store(existing, attributes);
  }

  remove(id: string, ifMatch: string | undefined): void {
    this.#unindex(this.#existing(id, ifMatch));
    this.#byId.delete(id);
  }

  list(filterText: string | undefined, startIndex: number, count: number): ScimListResponse {
    const filter =
      filterText === undefined || filterText.trim() === "" ? undefined : parseUserFilter(filterText);
    // Genesys lists only active users unless the filter asks about `active` itself.
    const onlyActive =
      filter === undefined || !filterAttributes(filter).some((name) => name.toLowerCase() === "active");
    const matches: ScimUser[] = [];
    for (const user of this.#candidates(filter)) {
      if (onlyActive && !user.active) continue;
      if (filter === undefined || matchesFilter(filter, (name) => filterValues(user, name), caseExact))
        matches.push(user);
    }
    return listPage(matches, startIndex, count);
  }

  all(): IterableIterator<ScimUser> {
    return this.#byId.values();
  }

  findByExternalId(externalId: string): ScimUser | undefined {
    const [first] = this.#idsByExternalId.get(externalId) ?? [];
    return first === undefined ? undefined : this.#byId.get(first);
  }

  #existing(id: string, ifMatch: string | undefined): ScimUser {
    const user = this.#byId.get(id);
    if (user === undefined) throw new ScimError(404, undefined, `Resource ${id} not found`);
    if (
      ifMatch !== undefined &&
      ifMatch.trim() !== "*" &&
      versionOf(ifMatch) !== versionOf(user.meta.version)
    ) {
      throw new ScimError(
        400,
        "invalidVers",
        `The version ${ifMatch} does not match the current ${user.meta.version}`,
      );
    }
    return user;
  }

  #store(existing: ScimUser, attributes: ScimUserAttributes): ScimUser {
    const next = Number(versionOf(existing.meta.version)) + 1;
    const user = this.#build(attributes, existing.id, existing.active, {
      ...existing.meta,
      lastModified: new Date(this.now()).toISOString(),
      version: `W/"${next}"`,
    });
    // byId is overwritten in place, not re-inserted: a changed user keeps its place in list pages.
    this.#unindex(existing);
    this.#index(user);
    return user;
  }

  #build(
    attributes: ScimUserAttributes,
    id: string,
    activeByDefault: boolean,
    meta: ScimUser["meta"],
  ): ScimUser {
    const schemas = [CORE_USER_SCHEMA];
    if (attributes[ENTERPRISE_USER_SCHEMA] !== undefined) schemas.push(ENTERPRISE_USER_SCHEMA);
    if (attributes[GENESYS_USER_SCHEMA] !== undefined) schemas.push(GENESYS_USER_SCHEMA);
    return { schemas, id, ...attributes, active: attributes.active ?? activeByDefault, meta };
  }

  #assertUserNameFree(userName: string, ownId: string | undefined): void {
    const holder = this.#idByUserName.get(userName.toLowerCase());
    if (holder !== undefined && holder !== ownId) {
      throw new ScimError(409, "uniqueness", `The userName ${userName} is already in use by another user`);
    }
  }

  *#candidates(filter: ScimFilter | undefined): Iterable<ScimUser> {
    const ids = filter === undefined ? undefined : this.#indexedIds(filter);
    if (ids === undefined) return yield* this.#byId.values();
    for (const id of ids) {
      const user = this.#byId.get(id);
      if (user !== undefined) yield user;
    }
  }

  /** Ids from an index for one `eq` term of a top-level conjunction, or undefined to scan. */
  #indexedIds(filter: ScimFilter): Iterable<string> | undefined {
    for (const term of conjunctionTerms(filter)) {
      if (term.kind !== "compare" || term.operator !== "eq" || typeof term.value !== "string") continue;
      const name = term.attribute.toLowerCase();
      if (name === "id") return [term.value];
      if (name === "username") return [this.#idByUserName.get(term.value.toLowerCase()) ?? ""];
      if (name === "externalid") return this.#idsByExternalId.get(term.value) ?? [];
      if (name === "email" || name === "emails" || name === "emails.value") {
        return this.#idsByEmail.get(term.value.toLowerCase()) ?? [];
      }
    }
    return undefined;
  }

  #index(user: ScimUser): void {
    this.#byId.set(user.id, user);
    this.#idByUserName.set(user.userName.toLowerCase(), user.id);
    if (user.externalId !== undefined) addTo(this.#idsByExternalId, user.externalId, user.id);
    for (const email of emailsOf(user)) addTo(this.#idsByEmail, email, user.id);
  }

  #unindex(user: ScimUser): void {
    this.#idByUserName.delete(user.userName.toLowerCase());
    if (user.externalId !== undefined) removeFrom(this.#idsByExternalId, user.externalId, user.id);
    for (const email of emailsOf(user)) removeFrom(this.#idsByEmail, email, user.id);
  }
}

function parseUserFilter(text: string): ScimFilter {
  let filter: ScimFilter;
  try {
    filter = parseScimFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new ScimError(400, "invalidFilter", error.message);
    throw error;
  }
  const unknown = filterAttributes(filter).find((name) => !isKnownFilterAttribute(name));
  if (unknown !== undefined)
    throw new ScimError(400, "invalidFilter", `The attribute ${unknown} cannot be filtered on`);
  return filter;
}

function caseExact(attribute: string): boolean {
  const name = attribute.toLowerCase();
  return name === "id" || name === "externalid";
}

/** Genesys' `email` is the userName plus any other addresses on the user. */
function emailsOf(user: ScimUser): Set<string> {
  const emails = new Set([user.userName.toLowerCase()]);
  for (const email of user.emails ?? []) emails.add(email.value.toLowerCase());
  return emails;
}

/** One page of a SCIM list response (RFC 7644 §3.4.2.4); `startIndex` is 1-based. */
export function listPage<T>(matches: readonly T[], startIndex: number, count: number) {
  const start = Math.max(1, startIndex);
  const page = matches.slice(start - 1, start - 1 + Math.max(0, count));
  return {
    schemas: [LIST_RESPONSE_SCHEMA] as [typeof LIST_RESPONSE_SCHEMA],
    totalResults: matches.length,
    startIndex: start,
    itemsPerPage: page.length,
    Resources: page,
  };
}

export function versionOf(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/"/g, "");
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) index.set(key, new Set([id]));
  else ids.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  ids?.delete(id);
  if (ids?.size === 0) index.delete(key);
}
