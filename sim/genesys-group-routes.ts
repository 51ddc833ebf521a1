import { genesysError } from "./genesys-error.ts";
import type { ScimAnswer, ScimUsersRequest } from "./genesys-scim-routes.ts";
import { ScimError } from "./scim-error.ts";
import type { ScimGroupStore } from "./scim-groups.ts";

export const GROUPS_PATH = "/api/v2/scim/v2/groups";
const SCIM_JSON = "application/scim+json; charset=utf-8";

/** Group requests, for the stats: how many reads and how many membership PATCHes got through. */
export interface GroupCounts {
  groupReads: number;
  groupWrites: number;
}

/**
 * `/api/v2/scim/v2/groups` (GET with a required filter) and `/groups/{id}` (GET, PATCH). Genesys SCIM
 * has no POST or DELETE of groups: those are 405.
 */
export function answerScimGroups(
  request: ScimUsersRequest,
  groups: ScimGroupStore,
  counts: GroupCounts,
): ScimAnswer {
  try {
    return route(request, groups, counts);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    return { status: error.status, body: error, contentType: SCIM_JSON };
  }
}

function route(request: ScimUsersRequest, groups: ScimGroupStore, counts: GroupCounts): ScimAnswer {
  const { method, path, query } = request;
  const lower = path.toLowerCase();
  if (lower === GROUPS_PATH && method === "GET") {
    counts.groupReads += 1;
    const count = Math.min(25, Number.parseInt(query.get("count") ?? "25", 10) || 25);
    const startIndex = Number.parseInt(query.get("startIndex") ?? "1", 10) || 1;
    const list = groups.list(query.get("filter") ?? undefined, startIndex, count);
    return { status: 200, body: list, contentType: SCIM_JSON };
  }
  const id = lower.startsWith(`${GROUPS_PATH}/`)
    ? decodeURIComponent(path.slice(GROUPS_PATH.length + 1))
    : "";
  if (id === "" || id.includes("/") || (method !== "GET" && method !== "PATCH")) {
    return {
      status: 405,
      body: genesysError(
        405,
        "method.not.allowed",
        `${method} is not allowed on ${path}: groups are made in Genesys`,
      ),
    };
  }
  if (method === "GET") {
    counts.groupReads += 1;
    const group = groups.get(id);
    if (group === undefined) throw new ScimError(404, undefined, `Resource ${id} not found`);
    return { status: 200, body: group, headers: { etag: group.meta.version }, contentType: SCIM_JSON };
  }
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    throw new ScimError(400, "invalidSyntax", "The request body is not valid JSON");
  }
  const group = groups.patch(id, body, request.ifMatch);
  counts.groupWrites += 1;
  return { status: 200, body: group, headers: { etag: group.meta.version }, contentType: SCIM_JSON };
}
