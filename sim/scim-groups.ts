import { randomUUID } from "node:crypto";
import { FilterSyntaxError, matchesFilter, parseScimFilter, type ScimFilter } from "./scim-filter.ts";
import { ScimError } from "./scim-error.ts";
import { PATCH_OP_SCHEMA } from "./scim-patch.ts";
import { listPage, versionOf } from "./scim-users.ts";

export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

export interface ScimGroupMember {
  value: string;
  display?: string;
  $ref?: string;
}

export interface ScimGroup {
  schemas: [typeof GROUP_SCHEMA];
  id: string;
  displayName: string;
  members: ScimGroupMember[];
  meta: { resourceType: "Group"; location: string; version: string; lastModified: string };
}

/**
 * Genesys groups as SCIM sees them: groups are made in Genesys (SCIM cannot create or delete them),
 * and PATCH changes their members. A member must be an existing user. Versions work as for users:
 * a stale If-Match is 400 invalidVers.
 */
export class ScimGroupStore {
  readonly #byId = new Map<string, ScimGroup>();

  constructor(
    readonly locationOf: (id: string) => string,
    readonly userExists: (id: string) => { display: string; $ref: string } | undefined,
    readonly now: () => number,
  ) {}

  create(displayName: string, memberIds: readonly string[] = [], id: string = randomUUID()): ScimGroup {
    const group: ScimGroup = {
      schemas: [GROUP_SCHEMA],
      id,
      displayName,
      members: memberIds.map((value) => this.#member(value)),
      meta: {
        resourceType: "Group",
        location: this.locationOf(id),
        version: 'W/"1"',
        lastModified: this.#time(),
      },
    };
    this.#byId.set(id, group);
    return group;
  }

  get(id: string): ScimGroup | undefined {
    return this.#byId.get(id);
  }

  all(): IterableIterator<ScimGroup> {
    return this.#byId.values();
  }

  /** Genesys requires a filter to list groups. */
  list(filterText: string | undefined, startIndex: number, count: number) {
    if (filterText === undefined || filterText.trim() === "")
      throw new ScimError(400, "invalidFilter", "A filter is required to list groups");
    let filter: ScimFilter;
    try {
      filter = parseScimFilter(filterText);
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw new ScimError(400, "invalidFilter", error.message);
      throw error;
    }
    const matches = [...this.#byId.values()].filter((g) =>
      matchesFilter(filter, (name) => {
        const key = name.toLowerCase();
        return key === "displayname" ? [g.displayName] : key === "id" ? [g.id] : [];
      }),
    );
    return listPage(matches, startIndex, count);
  }

  patch(id: string, body: unknown, ifMatch: string | undefined): ScimGroup {
    const group = this.#byId.get(id);
    if (group === undefined) throw new ScimError(404, undefined, `Resource ${id} not found`);
    if (
      ifMatch !== undefined &&
      ifMatch.trim() !== "*" &&
      versionOf(ifMatch) !== versionOf(group.meta.version)
    ) {
      throw new ScimError(
        400,
        "invalidVers",
        `The version ${ifMatch} does not match the current ${group.meta.version}`,
      );
    }
    const b = body as { schemas?: unknown; Operations?: unknown };
    if (!Array.isArray(b?.schemas) || !b.schemas.includes(PATCH_OP_SCHEMA) || !Array.isArray(b.Operations)) {
      throw new ScimError(
        400,
        "invalidSyntax",
        `A PATCH body must carry the schema ${PATCH_OP_SCHEMA} and Operations`,
      );
    }
    const members = new Map(group.members.map((m) => [m.value, m]));
    for (const operation of b.Operations as { op?: string; path?: string; value?: unknown }[]) {
      this.#apply(members, operation);
    }
    group.members = [...members.values()];
    group.meta = {
      ...group.meta,
      version: `W/"${Number(versionOf(group.meta.version)) + 1}"`,
      lastModified: this.#time(),
    };
    return group;
  }

  #apply(members: Map<string, ScimGroupMember>, operation: { op?: string; path?: string; value?: unknown }) {
    const op = (operation.op ?? "").toLowerCase();
    const path = operation.path ?? "";
    const values = () =>
      (Array.isArray(operation.value) ? operation.value : [operation.value]).map((v) => {
        const value = (v as { value?: unknown } | undefined)?.value;
        if (typeof value !== "string") throw new ScimError(400, "invalidValue", "members need a value");
        return value;
      });
    const filtered = /^members\[value eq "([^"]+)"\]$/i.exec(path);
    if (op === "remove" && filtered) return void members.delete(filtered[1] ?? "");
    if (path.toLowerCase() !== "members") throw new ScimError(400, "invalidPath", `Unsupported path ${path}`);
    if (op === "add") for (const value of values()) members.set(value, this.#member(value));
    else if (op === "remove") for (const value of values()) members.delete(value);
    else if (op === "replace") {
      members.clear();
      for (const value of values()) members.set(value, this.#member(value));
    } else throw new ScimError(400, "invalidSyntax", `Unknown PATCH op ${String(operation.op)}`);
  }

  #member(value: string): ScimGroupMember {
    const user = this.userExists(value);
    if (user === undefined) throw new ScimError(400, "invalidValue", `Member ${value} is not a user`);
    return { value, ...user };
  }

  #time(): string {
    return new Date(this.now()).toISOString();
  }
}
