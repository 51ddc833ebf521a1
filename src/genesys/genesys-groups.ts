import type { Lane } from "../lane.ts";
import { scimString } from "./scim-filter-string.ts";
import type { GenesysCall } from "./genesys-call.ts";
import { scimError, sendPatch, type Written } from "./scim-response.ts";

/** A Genesys group as the bridge needs it: its member user ids and its version. */
export interface GenesysGroup {
  id: string;
  displayName: string;
  members: string[];
  version: string | undefined;
}

/** Group membership changes to make in one request. */
export interface MembershipChange {
  add: readonly string[];
  remove: readonly string[];
}

export interface GenesysGroups {
  /** The group with this display name; undefined when Genesys has none (SCIM cannot create one). */
  findGroup(displayName: string, lane: Lane): Promise<GenesysGroup | undefined>;
  getGroup(id: string, lane: Lane): Promise<GenesysGroup | undefined>;
  /**
   * One PATCH with every add and remove: adds as one `add members` operation, each remove as
   * `remove members[value eq "..."]`, so members nobody named stay. `stale` on 400 invalidVers.
   */
  patchGroupMembers(
    id: string,
    change: MembershipChange,
    ifMatch: string | undefined,
    lane: Lane,
  ): Promise<Written | "stale" | "not-found">;
}

interface GroupResource {
  id: string;
  displayName?: string;
  members?: { value: string }[];
  meta?: { version?: string };
}

const SCIM_GROUPS = "/api/v2/scim/v2/groups";

export function createGenesysGroups(call: GenesysCall, apiUrl: string): GenesysGroups {
  const base = `${apiUrl}${SCIM_GROUPS}`;
  const toGroup = (g: GroupResource, etag?: string): GenesysGroup => ({
    id: g.id,
    displayName: g.displayName ?? "",
    members: (g.members ?? []).map((m) => m.value),
    version: g.meta?.version ?? etag,
  });
  return {
    async findGroup(displayName, lane) {
      // Genesys requires a filter to list groups; displayName is how an admin names them.
      const query = new URLSearchParams({ filter: `displayName eq ${scimString(displayName)}` });
      const res = await call(lane, { method: "GET", url: `${base}?${query}` });
      if (res.status !== 200) throw scimError(res, `looking up group ${displayName}`);
      const found = (JSON.parse(res.body) as { Resources?: GroupResource[] }).Resources ?? [];
      const group = found.find((g) => g.displayName === displayName) ?? found[0];
      return group === undefined ? undefined : toGroup(group);
    },
    async getGroup(id, lane) {
      const res = await call(lane, { method: "GET", url: `${base}/${encodeURIComponent(id)}` });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw scimError(res, `reading group ${id}`);
      return toGroup(JSON.parse(res.body) as GroupResource, res.headers["etag"]);
    },
    async patchGroupMembers(id, change, ifMatch, lane) {
      const operations = [
        ...(change.add.length === 0
          ? []
          : [{ op: "add", path: "members", value: change.add.map((value) => ({ value })) }]),
        ...change.remove.map((value) => ({ op: "remove", path: `members[value eq ${scimString(value)}]` })),
      ];
      const url = `${base}/${encodeURIComponent(id)}`;
      const what = `changing the members of group ${id}`;
      return sendPatch((req) => call(lane, req), url, operations, ifMatch, what);
    },
  };
}
