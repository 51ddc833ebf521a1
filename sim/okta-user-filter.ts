import type { OktaUser } from "./okta-user.ts";
import { filterAttributes, matchesFilter, parseScimFilter, type ScimFilter } from "./scim-filter.ts";

/**
 * Which users `GET /api/v1/users?filter=` (or `search=`) returns. Okta leaves DEPROVISIONED users out
 * of every list that does not ask about `status`, so a full picture needs
 * `filter=status eq "DEPROVISIONED"` as well. Returns undefined for an expression Okta would refuse.
 */
export function parseOktaUserFilter(
  expression: string | undefined,
): ((user: OktaUser) => boolean) | undefined {
  const notDeprovisioned = (user: OktaUser) => user.status !== "DEPROVISIONED";
  if (expression === undefined || expression.trim() === "") return notDeprovisioned;
  let filter: ScimFilter;
  try {
    filter = parseScimFilter(expression);
  } catch {
    return undefined;
  }
  const attributes = filterAttributes(filter);
  if (!attributes.every(isKnown)) return undefined;
  const asksAboutStatus = attributes.includes("status");
  return (user) =>
    (asksAboutStatus || notDeprovisioned(user)) &&
    matchesFilter(filter, (attribute) => [valueOf(user, attribute)]);
}

function isKnown(attribute: string): boolean {
  return (
    ["id", "status", "created", "activated", "statusChanged", "lastUpdated"].includes(attribute) ||
    attribute.startsWith("profile.")
  );
}

function valueOf(user: OktaUser, attribute: string): unknown {
  if (attribute.startsWith("profile.")) return user.profile[attribute.slice("profile.".length)];
  return user[attribute as "id" | "status" | "created" | "activated" | "statusChanged" | "lastUpdated"];
}
