import type { UpstreamHttp, UpstreamRequest } from "../http/upstream-http.ts";
import type { Lane, RateController } from "../throttle/rate-controller.ts";
import type { UpstreamResponse } from "../upstream-response.ts";
import { PermanentError, UpstreamUnavailableError } from "../errors.ts";
import type { GenesysToken } from "./genesys-token.ts";
import { SCIM_LIST_RESPONSE, type ScimUser, type ScimUserResource } from "./scim-user.ts";

export interface GenesysClient {
  /** POST a new user. `conflict` when the userName is taken (409 uniqueness). */
  createUser(user: ScimUser, lane: Lane): Promise<{ id: string } | "conflict">;
  /** PUT the user's attributes. `not-found` when Genesys no longer has that id. */
  replaceUser(id: string, user: ScimUser, lane: Lane): Promise<"ok" | "not-found">;
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
  async function call(lane: Lane, req: Omit<UpstreamRequest, "headers">): Promise<UpstreamResponse> {
    for (let attempt = 1; ; attempt++) {
      const token = await options.token.get();
      const res = await options.controller.run(lane, () =>
        options.http.send({
          ...req,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/scim+json, application/json",
            ...(req.body === undefined ? {} : { "content-type": "application/scim+json" }),
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
      if (res.status === 201 || res.status === 200)
        return { id: (JSON.parse(res.body) as ScimUserResource).id };
      if (res.status === 409) return "conflict";
      throw scimError(res, `creating ${user.userName}`);
    },
    async replaceUser(id, user, lane) {
      const res = await call(lane, {
        method: "PUT",
        url: `${base}/${encodeURIComponent(id)}`,
        body: JSON.stringify({ ...user, id }),
      });
      if (res.status === 200 || res.status === 204) return "ok";
      if (res.status === 404) return "not-found";
      throw scimError(res, `updating ${user.userName}`);
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
