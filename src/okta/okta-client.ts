import type { UpstreamHttp } from "../http/upstream-http.ts";
import type { Lane } from "../lane.ts";
import type { RateController } from "../throttle/rate-controller.ts";
import { PermanentError, UpstreamUnavailableError } from "../errors.ts";
import { oktaUserSchema, type OktaUser } from "./okta-user.ts";

export interface OktaClient {
  /** The user's current state, or undefined when Okta no longer has the user (404 E0000007). */
  getUser(id: string, lane: Lane): Promise<OktaUser | undefined>;
  /** Every user, page by page (Link rel="next"); `deprovisioned` lists the DEPROVISIONED ones instead. */
  listUsers(lane: Lane, options?: { deprovisioned?: boolean; pageSize?: number }): AsyncGenerator<OktaUser[]>;
  /**
   * One page of that listing and the `next` link after it: a cursor to save and pass back as `from`
   * (a reconcile resumes there after a crash). Without `from`, the first page.
   */
  listUsersPage(
    lane: Lane,
    options?: { deprovisioned?: boolean; pageSize?: number; from?: string },
  ): Promise<{ users: OktaUser[]; next: string | undefined }>;
  /** The group with exactly this name (`search=profile.name eq`), or undefined. */
  findGroup(name: string, lane: Lane): Promise<{ id: string } | undefined>;
  /** Every member of a group (`GET /api/v1/groups/{id}/users`, paged); undefined when the group is gone. */
  listGroupMembers(groupId: string, lane: Lane): Promise<OktaUser[] | undefined>;
}

export interface OktaClientOptions {
  orgUrl: string;
  apiToken: string;
  http: UpstreamHttp;
  controller: RateController;
}

/** The Okta Users and Groups APIs, read-only, every call through the Okta rate controller. */
export function createOktaClient(options: OktaClientOptions): OktaClient {
  const headers = {
    accept: "application/json",
    authorization: `SSWS ${options.apiToken}`,
    "user-agent": "okta-genesys-bridge",
  };
  const get = (lane: Lane, url: string) =>
    options.controller.run(lane, () => options.http.send({ method: "GET", url, headers }));

  return {
    async findGroup(name, lane) {
      const search = `profile.name eq "${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
      const res = await get(lane, `${options.orgUrl}/api/v1/groups?${new URLSearchParams({ search })}`);
      if (res.status !== 200) throw oktaError(res.status, res.body, `looking up group ${name}`);
      const groups = JSON.parse(res.body) as { id: string; profile?: { name?: string } }[];
      const group = groups.find((g) => g.profile?.name === name);
      return group === undefined ? undefined : { id: group.id };
    },
    async listGroupMembers(groupId, lane) {
      const prefix = `${options.orgUrl}/api/v1/groups/${encodeURIComponent(groupId)}/users?`;
      const members: OktaUser[] = [];
      let url: string | undefined = `${prefix}limit=200`;
      while (url !== undefined) {
        const res = await get(lane, url);
        if (res.status === 404) return undefined;
        if (res.status !== 200)
          throw oktaError(res.status, res.body, `listing the members of group ${groupId}`);
        members.push(...(JSON.parse(res.body) as unknown[]).map(parseUser));
        url = nextLink(res.headers["link"]);
        // The API token goes to the org's own member listing only, whatever a Link header says.
        if (url !== undefined && !url.startsWith(prefix)) {
          throw new PermanentError(`Okta paging link ${url} is not the member listing of group ${groupId}`);
        }
      }
      return members;
    },
    async getUser(id, lane) {
      const res = await get(lane, `${options.orgUrl}/api/v1/users/${encodeURIComponent(id)}`);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw oktaError(res.status, res.body, `reading user ${id}`);
      return parseUser(JSON.parse(res.body));
    },
    async *listUsers(lane, listOptions = {}) {
      let from: string | undefined;
      do {
        const page = await this.listUsersPage(lane, { ...listOptions, ...(from ? { from } : {}) });
        yield page.users;
        from = page.next;
      } while (from);
    },
    async listUsersPage(lane, pageOptions = {}) {
      const limit = Math.min(pageOptions.pageSize ?? 200, 200);
      const query = new URLSearchParams({ limit: String(limit) });
      if (pageOptions.deprovisioned) query.set("filter", 'status eq "DEPROVISIONED"');
      const url = pageOptions.from ?? `${options.orgUrl}/api/v1/users?${query}`;
      // A saved cursor comes from the store: never send the API token anywhere but the org.
      if (!url.startsWith(`${options.orgUrl}/api/v1/users?`)) {
        throw new PermanentError(`Okta paging cursor ${url} is not a users listing of ${options.orgUrl}`);
      }
      const res = await get(lane, url);
      if (res.status !== 200) throw oktaError(res.status, res.body, "listing users");
      const page = JSON.parse(res.body) as unknown[];
      return { users: page.map(parseUser), next: nextLink(res.headers["link"]) };
    },
  };
}

function parseUser(json: unknown): OktaUser {
  const parsed = oktaUserSchema.safeParse(json);
  if (!parsed.success) {
    throw new PermanentError(
      `Okta returned a user the bridge cannot read: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

/** Okta pages with `Link: <url>; rel="next"` (possibly several links in one header). */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function oktaError(status: number, body: string, what: string): Error {
  let summary = "";
  try {
    const parsed = JSON.parse(body) as { errorCode?: string; errorSummary?: string };
    summary = [parsed.errorCode, parsed.errorSummary].filter(Boolean).join(" ");
  } catch {
    summary = body.slice(0, 200);
  }
  const message = `Okta answered ${status} ${what}${summary ? `: ${summary}` : ""}`;
  // 401/403 mean the token is wrong or lacks okta.users.read: no retry helps until an admin fixes it,
  // but the events are kept, so later deliveries (or a replay of the dead letters) pick them up.
  if (status >= 500) return new UpstreamUnavailableError("okta", message);
  return new PermanentError(message, status);
}
