import type { Lane } from "../lane.ts";
import { PermanentError } from "../errors.ts";
import { createGenesysCall, type GenesysCallOptions } from "./genesys-call.ts";
import { createGenesysGroups, type GenesysGroups } from "./genesys-groups.ts";
import { scimError, sendPatch, written, type Written } from "./scim-response.ts";
import {
  SCIM_LIST_RESPONSE,
  type ScimPatchOperation,
  type ScimUser,
  type ScimUserResource,
} from "./scim-user.ts";

export type { Written } from "./scim-response.ts";
export { scimString } from "./scim-filter-string.ts";

/** Genesys Cloud SCIM v2: users, and the membership of groups made in Genesys. */
export interface GenesysClient extends GenesysGroups {
  /** POST a new user. `conflict` when the userName is taken (409 uniqueness). */
  createUser(user: ScimUser, lane: Lane): Promise<Written | "conflict">;
  /** One user by id; undefined when Genesys no longer has it. */
  getUser(id: string, lane: Lane): Promise<ScimUserResource | undefined>;
  /**
   * PATCH some attributes, the rest of the user untouched. With `ifMatch`, `stale` when the user
   * changed since that version (Genesys answers 400 invalidVers, not 412); `not-found` when it is gone.
   */
  patchUser(
    id: string,
    operations: readonly ScimPatchOperation[],
    ifMatch: string | undefined,
    lane: Lane,
  ): Promise<Written | "stale" | "not-found">;
  /** DELETE the user (recoverable in Genesys). `not-found` when it is already gone. */
  deleteUser(id: string, lane: Lane): Promise<"ok" | "not-found">;
  /** Users matching a SCIM filter, one small page (larger `count` values are themselves answered 429). */
  findUsers(filter: string, lane: Lane): Promise<ScimUserResource[]>;
  /** One page of users for a full listing; `startIndex` is 1-based. */
  listUsers(
    filter: string | undefined,
    startIndex: number,
    count: number,
    lane: Lane,
  ): Promise<{ users: ScimUserResource[]; totalResults: number }>;
}

export interface GenesysClientOptions extends GenesysCallOptions {
  apiUrl: string;
}

const SCIM_USERS = "/api/v2/scim/v2/users";
/** Above 25, Genesys may answer a SCIM list with 429 regardless of the quota. */
export const SCIM_MAX_PAGE = 25;

/** Genesys Cloud SCIM v2 users, every request through the Genesys rate controller. */
export function createGenesysClient(options: GenesysClientOptions): GenesysClient {
  const base = `${options.apiUrl}${SCIM_USERS}`;

  const call = createGenesysCall(options);

  return {
    ...createGenesysGroups(call, options.apiUrl),
    async createUser(user, lane) {
      const res = await call(lane, { method: "POST", url: base, body: JSON.stringify(user) });
      if (res.status === 201 || res.status === 200) return written(res);
      if (res.status === 409) return "conflict";
      throw scimError(res, `creating ${user.userName}`);
    },
    async getUser(id, lane) {
      const res = await call(lane, { method: "GET", url: `${base}/${encodeURIComponent(id)}` });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw scimError(res, `reading user ${id}`);
      const user = JSON.parse(res.body) as ScimUserResource;
      const version = user.meta?.version ?? res.headers["etag"];
      return version === undefined ? user : { ...user, meta: { ...user.meta, version } };
    },
    async patchUser(id, operations, ifMatch, lane) {
      const url = `${base}/${encodeURIComponent(id)}`;
      return sendPatch((req) => call(lane, req), url, operations, ifMatch, `updating user ${id}`);
    },
    async deleteUser(id, lane) {
      const res = await call(lane, { method: "DELETE", url: `${base}/${encodeURIComponent(id)}` });
      if (res.status === 204 || res.status === 200) return "ok";
      if (res.status === 404) return "not-found";
      throw scimError(res, `deleting user ${id}`);
    },
    async findUsers(filter, lane) {
      return (await this.listUsers(filter, 1, SCIM_MAX_PAGE, lane)).users;
    },
    async listUsers(filter, startIndex, count, lane) {
      const query = new URLSearchParams({
        startIndex: String(startIndex),
        count: String(Math.min(count, SCIM_MAX_PAGE)),
      });
      if (filter) query.set("filter", filter);
      const res = await call(lane, { method: "GET", url: `${base}?${query}` });
      if (res.status !== 200) throw scimError(res, `listing users${filter ? ` (${filter})` : ""}`);
      const body = JSON.parse(res.body) as {
        schemas?: string[];
        Resources?: ScimUserResource[];
        totalResults?: number;
      };
      if (body.schemas && !body.schemas.includes(SCIM_LIST_RESPONSE)) {
        throw new PermanentError("Genesys answered a SCIM list without a ListResponse schema");
      }
      const users = body.Resources ?? [];
      return { users, totalResults: body.totalResults ?? users.length };
    },
  };
}
