import { SCIM_ENTERPRISE_USER, type ScimUser, type ScimUserResource } from "../genesys/scim-user.ts";

/** One attribute that Genesys holds differently from what the default mapping makes of Okta. */
export interface AttributeChange {
  attribute: string;
  /** undefined: Genesys has no value (or no user at all). */
  genesys: string | boolean | undefined;
  okta: string | boolean | undefined;
}

type Value = string | boolean | undefined;

/**
 * The attributes the bridge writes, read the same way from the mapped user and from what Genesys
 * returns: the same comparison the demo and the tests use to say "in step" (src/sim/directory-diff.ts),
 * plus externalId, which is how the next sync and the next reconcile recognise the user.
 */
const ATTRIBUTES: readonly [string, (user: Partial<ScimUser>) => Value][] = [
  ["userName", (u) => u.userName],
  ["externalId", (u) => u.externalId],
  ["displayName", (u) => u.displayName],
  ["active", (u) => u.active],
  ["title", (u) => u.title],
  ["name.givenName", (u) => u.name?.givenName],
  ["name.familyName", (u) => u.name?.familyName],
  ["emails[work]", (u) => u.emails?.find((e) => e.type === "work")?.value],
  ["phoneNumbers[work]", (u) => u.phoneNumbers?.find((p) => p.type === "work")?.value],
  ["phoneNumbers[mobile]", (u) => u.phoneNumbers?.find((p) => p.type === "mobile")?.value],
  ["department", (u) => u[SCIM_ENTERPRISE_USER]?.department],
  ["employeeNumber", (u) => u[SCIM_ENTERPRISE_USER]?.employeeNumber],
];

/** What a write would change, attribute by attribute; `genesys` undefined lists every mapped attribute. */
export function attributeChanges(want: ScimUser, genesys: ScimUserResource | undefined): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const [attribute, read] of ATTRIBUTES) {
    const okta = orUndefined(read(want));
    const current = genesys === undefined ? undefined : orUndefined(read(genesys));
    if (okta !== current) changes.push({ attribute, genesys: current, okta });
  }
  return changes;
}

/** Genesys may answer null or "" for an attribute it does not hold; both mean "no value". */
function orUndefined(value: Value | null): Value {
  return value === null || value === "" ? undefined : value;
}
