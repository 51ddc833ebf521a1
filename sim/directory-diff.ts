import { oktaUserSchema } from "../src/okta/okta-user.ts";
import { SCIM_ENTERPRISE_USER, type ScimUser as MappedUser } from "../src/genesys/scim-user.ts";
import { mapOktaUser } from "../src/sync/scim-mapping.ts";
import type { ScimUser as StoredUser } from "./scim-user-schema.ts";

export interface DirectoryDiff {
  /** Okta users that should be in Genesys (everything but STAGED). */
  expected: number;
  matching: number;
  /** One line per user that differs, for a human to read. */
  differences: string[];
}

/**
 * Does Genesys match Okta under the default mapping? The demo's closing line, the tests' final
 * assertion and the benchmark's "lost updates" all come from here, so they agree on what "in
 * step" means: every non-STAGED Okta user has exactly one Genesys user with the mapped attributes,
 * and no Genesys user points at an Okta user that no longer exists.
 */
export function diffDirectories(
  oktaUsers: readonly unknown[],
  genesysUsers: readonly StoredUser[],
): DirectoryDiff {
  const byExternalId = new Map<string, StoredUser[]>();
  for (const g of genesysUsers) {
    if (!g.externalId) continue;
    const list = byExternalId.get(g.externalId) ?? [];
    list.push(g);
    byExternalId.set(g.externalId, list);
  }
  const differences: string[] = [];
  const known = new Set<string>();
  let expected = 0;
  let matching = 0;
  for (const raw of oktaUsers) {
    const okta = oktaUserSchema.parse(raw);
    known.add(okta.id);
    const mapped = mapOktaUser(okta);
    if (mapped.kind !== "user") continue;
    expected++;
    const found = byExternalId.get(okta.id) ?? [];
    if (found.length !== 1) {
      differences.push(`${okta.id}: ${found.length} Genesys users with this externalId (want 1)`);
      continue;
    }
    const problem = compareUser(mapped.user, found[0] as StoredUser);
    if (problem) differences.push(`${okta.id}: ${problem}`);
    else matching++;
  }
  for (const [externalId, list] of byExternalId) {
    if (!known.has(externalId))
      differences.push(`${externalId}: gone from Okta but still in Genesys (${list.length})`);
  }
  return { expected, matching, differences };
}

function compareUser(want: MappedUser, got: StoredUser): string | undefined {
  const pairs: [string, unknown, unknown][] = [
    ["userName", want.userName, got.userName],
    ["displayName", want.displayName, got.displayName],
    ["active", want.active, got.active],
    ["title", want.title, got.title],
    ["name.givenName", want.name?.givenName, got.name?.givenName],
    ["name.familyName", want.name?.familyName, got.name?.familyName],
    ["email", want.emails?.[0]?.value, got.emails?.find((e) => e.type === "work")?.value],
    ["workPhone", phone(want, "work"), got.phoneNumbers?.find((p) => p.type === "work")?.value],
    ["mobilePhone", phone(want, "mobile"), got.phoneNumbers?.find((p) => p.type === "mobile")?.value],
    ["department", want[SCIM_ENTERPRISE_USER]?.department, got[SCIM_ENTERPRISE_USER]?.department],
    ["employeeNumber", want[SCIM_ENTERPRISE_USER]?.employeeNumber, got[SCIM_ENTERPRISE_USER]?.employeeNumber],
  ];
  const wrong = pairs.filter(([, a, b]) => (a ?? undefined) !== (b ?? undefined));
  if (wrong.length === 0) return undefined;
  return wrong
    .map(([name, a, b]) => `${name} is ${JSON.stringify(b)}, Okta says ${JSON.stringify(a)}`)
    .join("; ");
}

function phone(user: MappedUser, type: string): string | undefined {
  return user.phoneNumbers?.find((p) => p.type === type)?.value;
}
