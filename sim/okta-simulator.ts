import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { systemClock, type Clock } from "../src/clock.ts";
import { OktaDirectory, type OktaChange, type OktaProfileChanges } from "./okta-directory.ts";
import type { OktaProfile, OktaUser } from "./okta-user.ts";
import { OktaEventFactory } from "./okta-events.ts";
import { answerOktaGroups, GROUPS_PATH } from "./okta-group-routes.ts";
import { parseOktaUserFilter } from "./okta-user-filter.ts";
import { RequestStats } from "./request-stats.ts";
import { FixedWindow } from "./request-window.ts";
import { FaultQueue, type RequestFaultKind, type SimFault } from "./sim-faults.ts";
import {
  closeServer,
  delay,
  listen,
  pickLatency,
  sendJson,
  splitTarget,
  type HeaderValues,
  type Latency,
} from "./sim-http.ts";

/**
 * A local Okta org for the demo, the tests and the benchmark: the Users API reads the bridge makes
 * (`GET /api/v1/users/{id}`, `GET /api/v1/users` with Link paging) behind an SSWS token and Okta's
 * rate limit headers, plus a directory API that changes users and returns the System Log events Okta
 * would send to an event hook. See /work/shared/facts/okta-event-hooks.md.
 */
export interface OktaSimulatorOptions {
  /** The SSWS API token the bridge must present. Default "demo-okta-token". */
  apiToken?: string;
  /** Default 6,000 requests per 60 s: generous, so that only tests about Okta's limit meet it. */
  rateLimit?: { limit: number; windowMs: number };
  /** Delay before each answer, fixed or `{ min, max }`. Default 0. */
  latencyMs?: Latency;
  clock?: Pick<Clock, "now">;
}

export type OktaFault = SimFault<RequestFaultKind>;
export type { OktaChange, OktaProfileChanges } from "./okta-directory.ts";
export type { OktaProfile, OktaUser, OktaUserStatus } from "./okta-user.ts";

export interface OktaSimulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  throttled: number;
  /** `GET /api/v1/users/{id}` requests that got past auth and the rate limit. */
  userReads: number;
  /** `GET /api/v1/users` page requests that got past auth and the rate limit. */
  listReads: number;
  /** Groups API requests (find, read, member pages) that got past auth and the rate limit. */
  groupReads: number;
  maxInFlight: number;
}

export interface OktaSimulator {
  readonly url: string;
  /** Changes return the user after the change (a copy) and the events Okta would emit for it. */
  createUser(profile: OktaProfile, options?: { status?: "STAGED" | "PROVISIONED" | "ACTIVE" }): OktaChange;
  updateProfile(id: string, changes: OktaProfileChanges): OktaChange;
  activate(id: string): OktaChange;
  suspend(id: string): OktaChange;
  unsuspend(id: string): OktaChange;
  deactivate(id: string): OktaChange;
  reactivate(id: string): OktaChange;
  /** Only a DEPROVISIONED user can be deleted; afterwards reads answer 404. */
  deleteUser(id: string): OktaChange;
  addToGroup(id: string, groupName: string): OktaChange;
  removeFromGroup(id: string, groupName: string): OktaChange;
  /** Creates an empty group and returns its id (a group also appears when a first member is added). */
  createGroup(name: string): string;
  /** Member ids of a group, in the order they joined; undefined for an unknown group. */
  groupMembers(name: string): string[] | undefined;
  /** Every user that exists, DEPROVISIONED ones included (copies). */
  users(): OktaUser[];
  getUser(id: string): OktaUser | undefined;
  injectFault(fault: OktaFault): void;
  stats(): OktaSimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

const USERS_PATH = "/api/v1/users";
const MAX_PAGE_SIZE = 200;

export async function startOktaSimulator(options: OktaSimulatorOptions = {}): Promise<OktaSimulator> {
  const now = () => (options.clock ?? systemClock).now();
  const expectedAuthorization = `SSWS ${options.apiToken ?? "demo-okta-token"}`;
  const { limit, windowMs } = options.rateLimit ?? { limit: 6000, windowMs: 60_000 };
  const window = new FixedWindow(limit, windowMs);
  const latency = options.latencyMs ?? 0;
  const faults = new FaultQueue<RequestFaultKind>();
  const stats = new RequestStats();
  const counts = { throttled: 0, userReads: 0, listReads: 0, groupReads: 0 };
  let url = "";
  const directory = new OktaDirectory(new OktaEventFactory(now), now, (id) => `${url}${USERS_PATH}/${id}`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.track(req, res);
    const method = req.method ?? "GET";
    const { path, query } = splitTarget(req.url);
    const fault = faults.take((candidate) => candidate.match?.({ method, path }) ?? true);
    if (fault === "reset") return void req.socket.destroy();
    if (fault === "hang") return;
    await delay(pickLatency(latency));
    if (fault === "500") return sendJson(res, 500, oktaError("E0000009", "Internal Server Error"));
    if (fault === "503")
      return sendJson(res, 503, oktaError("E0000010", "Service is temporarily unavailable"));

    if (req.headers.authorization !== expectedAuthorization) {
      return sendJson(res, 401, oktaError("E0000011", "Invalid token provided"));
    }
    const decision = window.take(now());
    // X-Rate-Limit-Reset is an epoch time in seconds, not a delay (developer.okta.com rate limits).
    const headers: HeaderValues = {
      "x-rate-limit-limit": String(decision.limit),
      "x-rate-limit-remaining": String(decision.remaining),
      "x-rate-limit-reset": String(Math.ceil((now() + decision.resetInMs) / 1000)),
      "x-okta-request-id": randomBytes(12).toString("base64url"),
    };
    if (!decision.allowed) {
      counts.throttled += 1;
      return sendJson(
        res,
        429,
        oktaError("E0000047", "API call exceeded rate limit due to too many requests."),
        headers,
      );
    }
    if (method !== "GET") {
      return sendJson(
        res,
        405,
        oktaError("E0000022", "The endpoint does not support the provided HTTP method"),
        headers,
      );
    }
    if (path === USERS_PATH) return listUsers(res, query, headers);
    if (path.startsWith(GROUPS_PATH)) {
      counts.groupReads += 1;
      const notFound = (what: string) => oktaError("E0000007", `Not found: Resource not found: ${what}`);
      if (answerOktaGroups(directory, url, path, query, res, headers, notFound)) return;
    }
    const id = path.startsWith(`${USERS_PATH}/`) ? decodeURIComponent(path.slice(USERS_PATH.length + 1)) : "";
    if (id === "" || id.includes("/"))
      return sendJson(res, 404, oktaError("E0000022", `No route for ${path}`), headers);
    counts.userReads += 1;
    const user = directory.find(id);
    if (user === undefined)
      return sendJson(
        res,
        404,
        oktaError("E0000007", `Not found: Resource not found: ${id} (User)`),
        headers,
      );
    sendJson(res, 200, user, headers);
  };

  const listUsers = (res: ServerResponse, query: URLSearchParams, headers: HeaderValues): void => {
    counts.listReads += 1;
    const limit = Math.min(
      MAX_PAGE_SIZE,
      Math.max(1, Number.parseInt(query.get("limit") ?? "", 10) || MAX_PAGE_SIZE),
    );
    const expression = query.get("filter") ?? query.get("search") ?? undefined;
    const include = parseOktaUserFilter(expression);
    if (include === undefined)
      return sendJson(res, 400, oktaError("E0000031", "Invalid search criteria."), headers);
    const page = directory.page(query.get("after") ?? undefined, limit, include);
    if (page === undefined)
      return sendJson(res, 400, oktaError("E0000031", "Invalid paging cursor."), headers);
    const self = query.size === 0 ? "" : `?${query}`;
    const links = [`<${url}${USERS_PATH}${self}>; rel="self"`];
    if (page.next !== undefined) {
      const next = new URLSearchParams(query);
      next.set("after", page.next);
      next.set("limit", String(limit));
      links.push(`<${url}${USERS_PATH}?${next}>; rel="next"`);
    }
    sendJson(res, 200, page.users, { ...headers, link: links });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendJson(res, 500, oktaError("E0000009", `Internal Server Error: ${String(error)}`));
    });
  });
  server.keepAliveTimeout = 30_000;
  url = await listen(server);

  const copy = (change: OktaChange): OktaChange => ({
    user: structuredClone(change.user),
    events: change.events,
  });
  return {
    url,
    createUser: (profile, createOptions) => copy(directory.create(profile, createOptions?.status)),
    updateProfile: (id, changes) => copy(directory.updateProfile(id, changes)),
    activate: (id) => copy(directory.activate(id)),
    suspend: (id) => copy(directory.suspend(id)),
    unsuspend: (id) => copy(directory.unsuspend(id)),
    deactivate: (id) => copy(directory.deactivate(id)),
    reactivate: (id) => copy(directory.reactivate(id)),
    deleteUser: (id) => copy(directory.delete(id)),
    addToGroup: (id, groupName) => copy(directory.addToGroup(id, groupName)),
    removeFromGroup: (id, groupName) => copy(directory.removeFromGroup(id, groupName)),
    createGroup: (name) => directory.ensureGroup(name),
    groupMembers: (name) => directory.groupNamed(name)?.members,
    users: () => directory.all().map((user) => structuredClone(user)),
    getUser: (id) => {
      const user = directory.find(id);
      return user === undefined ? undefined : structuredClone(user);
    },
    injectFault: (fault) => faults.add(fault),
    stats: () => ({
      requests: stats.requests,
      byStatus: { ...stats.byStatus },
      ...counts,
      maxInFlight: stats.maxInFlight,
    }),
    resetStats: () => {
      stats.reset();
      Object.assign(counts, { throttled: 0, userReads: 0, listReads: 0, groupReads: 0 });
    },
    close: () => closeServer(server),
  };
}

/** Okta's error body; errorId is a per-request id Okta support can look up. */
function oktaError(errorCode: string, errorSummary: string) {
  return {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    errorId: `oae${randomUUID().replace(/-/g, "").slice(0, 19)}`,
    errorCauses: [],
  };
}
