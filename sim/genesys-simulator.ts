import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { systemClock, type Clock } from "../src/clock.ts";
import { GenesysExternalLoad } from "./genesys-external-load.ts";
import { GenesysOAuth } from "./genesys-oauth.ts";
import {
  genesysDefaultRateLimit,
  GenesysRateLimiter,
  type GenesysRateLimitOptions,
} from "./genesys-rate-limit.ts";
import { RequestStats } from "./request-stats.ts";
import { genesysError } from "./genesys-error.ts";
import { answerScimGroups, GROUPS_PATH } from "./genesys-group-routes.ts";
import { answerScimUsers, USERS_PATH } from "./genesys-scim-routes.ts";
import { ScimGroupStore, type ScimGroup } from "./scim-groups.ts";
import { ScimUserStore } from "./scim-users.ts";
import type { ScimUser, ScimUserAttributes } from "./scim-user-schema.ts";
import { FaultQueue, type RequestFaultKind, type SimFault, type SimRequest } from "./sim-faults.ts";
import {
  BODY_TOO_LARGE,
  closeServer,
  delay,
  listen,
  pickLatency,
  readBody,
  sendJson,
  splitTarget,
  type Latency,
} from "./sim-http.ts";

/**
 * A local Genesys Cloud for the demo, the tests and the benchmark: the login host's client-credentials
 * token endpoint and the API host's SCIM v2 users, on one real HTTP server (use its URL for both
 * GENESYS_LOGIN_URL and GENESYS_API_URL), behind the per-OAuth-client quota and 429s that Genesys
 * enforces. See /work/shared/facts/genesys-cloud-api.md for the behaviour mimicked.
 */
export interface GenesysSimulatorOptions {
  /** OAuth clients, id → secret. Default `{ "demo-client": "demo-secret" }`. */
  clients?: Readonly<Record<string, string>>;
  /** `expires_in` of issued tokens. Default 86,400 (Genesys' default 24 h). */
  tokenTtlSeconds?: number;
  /** Per-client quota; fields left out keep Genesys' defaults (300 per 60 s fixed window, headers on). */
  rateLimit?: Partial<GenesysRateLimitOptions>;
  /** Delay before each answer, fixed or `{ min, max }`. Default 0. */
  latencyMs?: Latency;
  /** Answer `count` above 25 with 429, as Genesys may. Default true. */
  refuseLargePages?: boolean;
  /** Time for token expiry, rate windows and meta timestamps. */
  clock?: Pick<Clock, "now">;
}

export type { GenesysRateLimitOptions } from "./genesys-rate-limit.ts";
export type { ScimUser, ScimUserAttributes } from "./scim-user-schema.ts";
export type { ScimGroup } from "./scim-groups.ts";

/** "403": the OAuth client's role lacks a directory permission (Genesys answers 403, not 429). */
export type GenesysFault = SimFault<RequestFaultKind | "403" | "token-500" | "expire-tokens">;

export interface GenesysSimulatorStats {
  /** Every HTTP request received, token requests included; not the external load. */
  requests: number;
  byMethod: Record<string, number>;
  byStatus: Record<string, number>;
  /** Requests answered 429 because the quota was spent. */
  throttled: number;
  /** Successful (2xx) POST, PUT, PATCH and DELETE of users. */
  writes: number;
  /** GET of a user or of a user list that got past auth and the quota. */
  lookups: number;
  tokenRequests: number;
  /** Group GETs (find by name, read) that got past auth and the quota. */
  groupReads: number;
  /** Successful membership PATCHes of groups. */
  groupWrites: number;
  externalRequests: number;
  externalThrottled: number;
  maxInFlight: number;
}

export interface GenesysSimulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`, for both the login and the API host. */
  readonly url: string;
  /** Current users, inactive ones included, deleted ones not (copies). */
  users(): ScimUser[];
  findByExternalId(externalId: string): ScimUser | undefined;
  /** Creates a user directly, bypassing auth and quota (e.g. one that already owns a userName). */
  seedUser(user: ScimUserAttributes & { id?: string }): ScimUser;
  /** Creates a group, as a Genesys admin does (SCIM cannot), with these user ids as members. */
  seedGroup(displayName: string, memberIds?: readonly string[]): ScimGroup;
  /** Current groups and their members (copies). */
  groups(): ScimGroup[];
  /** A group's member user ids, by display name; undefined when there is no such group. */
  groupMembers(displayName: string): string[] | undefined;
  /** An admin's edit in Genesys: a SCIM PATCH body applied directly (the version moves on). */
  editUser(id: string, patch: unknown): ScimUser;
  /** Another consumer of the same client id spending quota at this rate; 0 stops it. */
  setExternalLoad(requestsPerSecond: number, clientId?: string): void;
  injectFault(fault: GenesysFault): void;
  stats(): GenesysSimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

/** Genesys refuses request bodies over 512,000 bytes. */
const MAX_BODY_BYTES = 512_000;

export async function startGenesysSimulator(
  options: GenesysSimulatorOptions = {},
): Promise<GenesysSimulator> {
  const now = () => (options.clock ?? systemClock).now();
  const clients = new Map(Object.entries(options.clients ?? { "demo-client": "demo-secret" }));
  const [defaultClientId = "demo-client"] = clients.keys();
  const oauth = new GenesysOAuth(clients, options.tokenTtlSeconds ?? 86_400, now);
  const limiter = new GenesysRateLimiter({ ...genesysDefaultRateLimit, ...options.rateLimit }, now);
  const latency = options.latencyMs ?? 0;
  const refuseLargePages = options.refuseLargePages ?? true;
  const faults = new FaultQueue<GenesysFault["kind"]>();
  const externalLoads = new Map<string, GenesysExternalLoad>();
  const stats = new RequestStats();
  const counts = { throttled: 0, writes: 0, lookups: 0, tokenRequests: 0, groupReads: 0, groupWrites: 0 };
  let url = "";
  const store = new ScimUserStore((id) => `${url}${USERS_PATH}/${id}`, now);
  const groups = new ScimGroupStore(
    (id) => `${url}${GROUPS_PATH}/${id}`,
    (id) => {
      const user = store.get(id);
      return user === undefined ? undefined : { display: user.displayName, $ref: user.meta.location };
    },
    now,
  );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.track(req, res);
    const method = req.method ?? "GET";
    const { path, query } = splitTarget(req.url);
    const isTokenEndpoint = path === "/oauth/token";
    const fault = faults.take((candidate) => faultApplies(candidate, { method, path }, isTokenEndpoint));
    if (fault === "reset") return void req.socket.destroy();
    if (fault === "hang") return;
    await delay(pickLatency(latency));
    if (fault !== undefined) return sendJson(res, ...faultAnswer(fault));

    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === BODY_TOO_LARGE) {
      return sendJson(
        res,
        413,
        genesysError(413, "request.entity.too.large", `The request body exceeds ${MAX_BODY_BYTES} bytes`),
      );
    }
    if (isTokenEndpoint) {
      if (method !== "POST") return sendJson(res, 405, genesysError(405, "method.not.allowed", "Use POST"));
      counts.tokenRequests += 1;
      const answer = oauth.issue(req.headers.authorization, body);
      return sendJson(res, answer.status, answer.body, { "cache-control": "no-store" });
    }

    const clientId = oauth.verify(req.headers.authorization);
    if (clientId === undefined)
      return sendJson(res, 401, genesysError(401, "bad.credentials", "Invalid login credentials."));
    const decision = limiter.take(clientId);
    if (!decision.allowed) {
      counts.throttled += 1;
      const answer = limiter.throttled(decision);
      return sendJson(res, 429, answer.body, answer.headers);
    }
    const request = {
      method,
      path,
      query,
      body,
      ifMatch: req.headers["if-match"],
      ifNoneMatch: req.headers["if-none-match"],
    };
    const answer = path.toLowerCase().startsWith(GROUPS_PATH)
      ? answerScimGroups(request, groups, counts)
      : answerScimUsers(request, { store, refuseLargePages, counts });
    const headers = { ...limiter.headers(decision), "inin-correlation-id": randomUUID(), ...answer.headers };
    sendJson(res, answer.status, answer.body, headers, answer.contentType);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendJson(res, 500, genesysError(500, "internal.server.error", String(error)));
    });
  });
  server.keepAliveTimeout = 30_000;
  url = await listen(server);

  const externalLoad = (clientId: string) => {
    let load = externalLoads.get(clientId);
    if (load === undefined) {
      load = new GenesysExternalLoad(limiter, clientId, now);
      externalLoads.set(clientId, load);
    }
    return load;
  };

  return {
    url,
    users: () => Array.from(store.all(), (user) => structuredClone(user)),
    findByExternalId: (externalId) => {
      const user = store.findByExternalId(externalId);
      return user === undefined ? undefined : structuredClone(user);
    },
    seedUser: ({ id, ...attributes }) => structuredClone(store.create(attributes, id)),
    seedGroup: (displayName, memberIds = []) => structuredClone(groups.create(displayName, memberIds)),
    groups: () => Array.from(groups.all(), (group) => structuredClone(group)),
    groupMembers: (displayName) =>
      [...groups.all()].find((g) => g.displayName === displayName)?.members.map((m) => m.value),
    editUser: (id, patch) => structuredClone(store.patch(id, patch, undefined)),
    setExternalLoad: (requestsPerSecond, clientId = defaultClientId) =>
      externalLoad(clientId).setRate(requestsPerSecond),
    injectFault: (fault) => {
      if (fault.kind === "expire-tokens") oauth.expireAll();
      else faults.add(fault);
    },
    stats: () => {
      const loads = [...externalLoads.values()];
      return {
        requests: stats.requests,
        byMethod: { ...stats.byMethod },
        byStatus: { ...stats.byStatus },
        ...counts,
        externalRequests: loads.reduce((sum, load) => sum + load.requests, 0),
        externalThrottled: loads.reduce((sum, load) => sum + load.throttled, 0),
        maxInFlight: stats.maxInFlight,
      };
    },
    resetStats: () => {
      stats.reset();
      Object.assign(counts, {
        throttled: 0,
        writes: 0,
        lookups: 0,
        tokenRequests: 0,
        groupReads: 0,
        groupWrites: 0,
      });
      for (const load of externalLoads.values()) load.resetCounts();
    },
    close: async () => {
      for (const load of externalLoads.values()) load.stop();
      await closeServer(server);
    },
  };
}

/**
 * A fault without `match` hits API requests; "token-500" hits the token endpoint. With `match`, the
 * request-level kinds can target the token endpoint too.
 */
function faultApplies(fault: GenesysFault, req: SimRequest, isTokenEndpoint: boolean): boolean {
  if (fault.match !== undefined && !fault.match(req)) return false;
  if (fault.kind === "token-500") return isTokenEndpoint;
  return !isTokenEndpoint || fault.match !== undefined;
}

function faultAnswer(kind: "500" | "503" | "403" | "token-500" | "expire-tokens"): [number, unknown] {
  switch (kind) {
    case "403":
      return [
        403,
        genesysError(
          403,
          "missing.any.permissions",
          "You are missing the following permission(s): directory:user:edit",
        ),
      ];
    case "token-500":
      return [500, { error: "server_error", description: "Internal error" }];
    case "503":
      return [503, genesysError(503, "service.unavailable", "Service Unavailable")];
    default:
      return [500, genesysError(500, "internal.server.error", "The server encountered an internal error")];
  }
}
