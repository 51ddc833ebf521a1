import { genesysError } from "./genesys-error.ts";
import { ScimError } from "./scim-error.ts";
import type { ScimUserStore } from "./scim-users.ts";

/**
 * `/api/v2/scim/v2/users` and `/users/{id}` of the Genesys API host, once auth and the quota have let
 * the request through. Returns the answer instead of writing it so the server stays the one place
 * that talks HTTP.
 */
export const USERS_PATH = "/api/v2/scim/v2/users";
const SCIM_JSON = "application/scim+json; charset=utf-8";
const MAX_PAGE_SIZE = 25;

export interface ScimUsersRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
}

export interface ScimAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

export interface ScimRouteOptions {
  store: ScimUserStore;
  /** Answer `count` above 25 with 429, as Genesys may. */
  refuseLargePages: boolean;
  /** Bumped for the stats: `writes` on 2xx changes, `lookups` on reads. */
  counts: { writes: number; lookups: number };
}

export function answerScimUsers(request: ScimUsersRequest, options: ScimRouteOptions): ScimAnswer {
  try {
    return route(request, options);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    return { status: error.status, body: error, contentType: SCIM_JSON };
  }
}

function route(request: ScimUsersRequest, { store, refuseLargePages, counts }: ScimRouteOptions): ScimAnswer {
  const { method, path, query } = request;
  const lower = path.toLowerCase();
  if (lower === USERS_PATH && method === "GET") {
    counts.lookups += 1;
    const count = intParam(query.get("count"), MAX_PAGE_SIZE);
    if (count > MAX_PAGE_SIZE && refuseLargePages) {
      const message = `The count ${count} exceeds the maximum page size of ${MAX_PAGE_SIZE}`;
      return { status: 429, body: genesysError(429, "too.many.requests", message) };
    }
    const list = store.list(query.get("filter") ?? undefined, intParam(query.get("startIndex"), 1), count);
    return { status: 200, body: list, contentType: SCIM_JSON };
  }
  if (lower === USERS_PATH && method === "POST") {
    const user = store.create(parseJson(request.body));
    counts.writes += 1;
    const headers = { location: user.meta.location, etag: user.meta.version };
    return { status: 201, body: user, headers, contentType: SCIM_JSON };
  }
  const id = lower.startsWith(`${USERS_PATH}/`) ? decodeURIComponent(path.slice(USERS_PATH.length + 1)) : "";
  if (id === "" || id.includes("/")) {
    return { status: 404, body: genesysError(404, "not.found", `No route for ${path}`) };
  }
  switch (method) {
    case "GET": {
      counts.lookups += 1;
      const user = store.get(id);
      if (user === undefined) throw new ScimError(404, undefined, `Resource ${id} not found`);
      const headers = { etag: user.meta.version };
      if (request.ifNoneMatch === user.meta.version) return { status: 304, headers };
      return { status: 200, body: user, headers, contentType: SCIM_JSON };
    }
    case "PUT":
    case "PATCH": {
      const input = parseJson(request.body);
      const user =
        method === "PUT"
          ? store.replace(id, input, request.ifMatch)
          : store.patch(id, input, request.ifMatch);
      counts.writes += 1;
      return { status: 200, body: user, headers: { etag: user.meta.version }, contentType: SCIM_JSON };
    }
    case "DELETE":
      store.remove(id, request.ifMatch);
      counts.writes += 1;
      return { status: 204 };
    default:
      return {
        status: 405,
        body: genesysError(405, "method.not.allowed", `${method} is not allowed on ${path}`),
      };
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ScimError(400, "invalidSyntax", "The request body is not valid JSON");
  }
}

function intParam(value: string | null, fallback: number): number {
  const parsed = value === null ? Number.NaN : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : fallback;
}
