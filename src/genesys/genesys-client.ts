import type { UpstreamHttp, UpstreamRequest } from "../http/upstream-http.ts";
import type { Lane, RateController } from "../throttle/rate-controller.ts";
import type { UpstreamResponse } from "../upstream-response.ts";
import { PermanentError, UpstreamUnavailableError } from "../errors.ts";
import type { GenesysToken } from "./genesys-token.ts";
import {
  SCIM_LIST_RESPONSE,
  SCIM_PATCH_OP,
  type ScimPatchOperation,
  type ScimUser,
  type ScimUserResource,
} from "./scim-user.ts";

/** A write that went through, and the version Genesys gave the user (for the next If-Match). */
export interface Written {
  id: string;
  version: string | undefined;
}

export interface GenesysClient {
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

export interface GenesysClientOptions {
  apiUrl: string;
  http: UpstreamHttp;
  token: GenesysToken;
  controller: RateController;
}

const SCIM_USERS = "/api/v2/scim/v2/users";
/** Above 25, Genesys may answer a SCIM list with 429 regardless of the quota. */
export const SCIM_MAX_PAGE = 25;

/** Genesys Cloud SCIM v2 users, every request through the Genesys rate controller. */
export function createGenesysClient(options: GenesysClientOptions): GenesysClient {
  const base = `${options.apiUrl}${SCIM_USERS}`;

  /** One API call; a 401 means the token expired or was revoked: get a new one and try once more. */
  async function call(
    lane: Lane,
    req: Omit<UpstreamRequest, "headers"> & { headers?: Record<string, string> },
  ): Promise<UpstreamResponse> {
    for (let attempt = 1; ; attempt++) {
      const token = await options.token.get();
      const res = await options.controller.run(lane, () =>
        options.http.send({
          ...req,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/scim+json, application/json",
            ...(req.body === undefined ? {} : { "content-type": "application/scim+json" }),
            ...req.headers,
          },
        }),
      );
      if (res.status !== 401) return res;
      options.token.invalidate(token);
      if (attempt >= 2) {
        throw new UpstreamUnavailableError(
          "genesys",
          "Genesys answered 401 twice in a row with fresh tokens",
        );
      }
    }
  }

  return {
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
      const version = user.meta?.version ?? header(res, "etag");
      return version === undefined ? user : { ...user, meta: { ...user.meta, version } };
    },
    async patchUser(id, operations, ifMatch, lane) {
      const res = await call(lane, {
        method: "PATCH",
        url: `${base}/${encodeURIComponent(id)}`,
        body: JSON.stringify({ schemas: [SCIM_PATCH_OP], Operations: operations }),
        ...(ifMatch === undefined ? {} : { headers: { "if-match": ifMatch } }),
      });
      if (res.status === 200) return written(res);
      if (res.status === 204) return { id, version: header(res, "etag") };
      if (res.status === 404) return "not-found";
      if (res.status === 400 && scimType(res) === "invalidVers") return "stale";
      throw scimError(res, `updating user ${id}`);
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

function written(res: UpstreamResponse): Written {
  const body = JSON.parse(res.body) as ScimUserResource;
  return { id: body.id, version: body.meta?.version ?? header(res, "etag") };
}

function header(res: UpstreamResponse, name: string): string | undefined {
  return res.headers[name];
}

function scimType(res: UpstreamResponse): string | undefined {
  try {
    return (JSON.parse(res.body) as { scimType?: string }).scimType;
  } catch {
    return undefined;
  }
}

/** A SCIM filter string literal: quotes and backslashes escaped (RFC 7644 §3.4.2.2). */
export function scimString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * Turns a failed answer into the error that says what to do: the upstream's own status and detail
 * are kept (a human reads them in the dead letters), 5xx is transient, other 4xx are permanent.
 */
function scimError(res: UpstreamResponse, what: string): Error {
  let detail = "";
  try {
    const body = JSON.parse(res.body) as { detail?: string; scimType?: string; message?: string };
    detail = [body.scimType, body.detail ?? body.message].filter(Boolean).join(": ");
  } catch {
    detail = res.body.slice(0, 200);
  }
  const message = `Genesys answered ${res.status} ${what}${detail ? ` (${detail})` : ""}`;
  if (res.status >= 500 || res.status === 429) return new UpstreamUnavailableError("genesys", message);
  return new PermanentError(message, res.status);
}
