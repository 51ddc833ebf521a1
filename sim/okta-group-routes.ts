import type { ServerResponse } from "node:http";
import type { OktaDirectory } from "./okta-directory.ts";
import { sendJson, type HeaderValues } from "./sim-http.ts";

export const GROUPS_PATH = "/api/v1/groups";
const MAX_PAGE_SIZE = 200;

/**
 * The Okta Groups API reads (developer.okta.com Groups API): find a group by name (`q` prefix match or
 * `search=profile.name eq "..."`), read one, and list its members paged with `Link: rel="next"`.
 * Returns false for a path it does not serve.
 */
export function answerOktaGroups(
  directory: OktaDirectory,
  baseUrl: string,
  path: string,
  query: URLSearchParams,
  res: ServerResponse,
  headers: HeaderValues,
  notFound: (what: string) => unknown,
): boolean {
  if (path === GROUPS_PATH) {
    const q = query.get("q");
    const exact = /^profile\.name eq "(.*)"$/.exec(query.get("search") ?? "")?.[1];
    const groups = directory
      .groupNames()
      .filter((name) => (exact !== undefined ? name === exact : q === null || name.startsWith(q)))
      .flatMap((name) => directory.groupNamed(name) ?? [])
      .map((g) => groupObject(g, baseUrl));
    sendJson(res, 200, groups, headers);
    return true;
  }
  const match = /^\/api\/v1\/groups\/([^/]+)(\/users)?$/.exec(path);
  if (match === null) return false;
  const group = directory.group(decodeURIComponent(match[1] ?? ""));
  if (group === undefined) {
    sendJson(res, 404, notFound(`${match[1]} (UserGroup)`), headers);
    return true;
  }
  if (match[2] === undefined) {
    sendJson(res, 200, groupObject(group, baseUrl), headers);
    return true;
  }
  const limit = Math.min(
    MAX_PAGE_SIZE,
    Math.max(1, Number.parseInt(query.get("limit") ?? "", 10) || MAX_PAGE_SIZE),
  );
  const after = query.get("after");
  const start = after === null ? 0 : group.members.indexOf(after) + 1;
  const ids = group.members.slice(start, start + limit);
  const users = ids.flatMap((id) => directory.find(id) ?? []);
  const links = [`<${baseUrl}${path}?${query}>; rel="self"`];
  if (start + limit < group.members.length && ids.length > 0) {
    const next = new URLSearchParams(query);
    next.set("after", ids.at(-1) ?? "");
    next.set("limit", String(limit));
    links.push(`<${baseUrl}${path}?${next}>; rel="next"`);
  }
  sendJson(res, 200, users, { ...headers, link: links });
  return true;
}

function groupObject(group: { id: string; name: string }, baseUrl: string) {
  return {
    id: group.id,
    type: "OKTA_GROUP",
    profile: { name: group.name, description: null },
    _links: { self: { href: `${baseUrl}${GROUPS_PATH}/${group.id}` } },
  };
}
