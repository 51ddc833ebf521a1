import type { OktaUser } from "./okta-user.ts";
import { ENTERPRISE_USER_SCHEMA, type ScimUser as StoredUser } from "./scim-user-schema.ts";

export interface DirectoryDiff {
  /** Okta users that should be in Genesys (everything but STAGED, and those with a usable userName). */
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
  oktaUsers: readonly OktaUser[],
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
  for (const okta of oktaUsers) {
    known.add(okta.id);
    const want = expectedFields(okta);
    if (want === undefined) continue;
    expected++;
    const found = byExternalId.get(okta.id) ?? [];
    if (found.length !== 1) {
      differences.push(`${okta.id}: ${found.length} Genesys users with this externalId (want 1)`);
      continue;
    }
    const problem = compareUser(want, found[0] as StoredUser);
    if (problem) differences.push(`${okta.id}: ${problem}`);
    else matching++;
  }
  for (const [externalId, list] of byExternalId) {
    if (!known.has(externalId))
      differences.push(`${externalId}: gone from Okta but still in Genesys (${list.length})`);
  }
  return { expected, matching, differences };
}

type Field =
  | "userName"
  | "displayName"
  | "active"
  | "title"
  | "name.givenName"
  | "name.familyName"
  | "email"
  | "workPhone"
  | "mobilePhone"
  | "department"
  | "employeeNumber";

type Expected = Record<Field, string | boolean | undefined>;

const INACTIVE = new Set(["SUSPENDED", "DEPROVISIONED"]);
const EMAIL_SHAPED = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * What Genesys must hold for an Okta user, read off the README's default mapping table. It is
 * written out here on purpose rather than taken from the product's mapOktaUser: an oracle that maps
 * with the code under test agrees with every mistake in it. Undefined: the user is not pushed
 * (STAGED), or cannot be (no email-shaped login or email, so it is dead-lettered).
 */
function expectedFields(okta: OktaUser): Expected | undefined {
  if (okta.status === "STAGED") return undefined;
  const p = okta.profile;
  // Okta answers null or "" for an attribute that is not set; the mapping leaves those out.
  const text = (value: unknown) =>
    typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  const login = text(p.login);
  const email = text(p.email);
  const userName =
    login && EMAIL_SHAPED.test(login) ? login : email && EMAIL_SHAPED.test(email) ? email : undefined;
  if (userName === undefined) return undefined;
  const first = text(p.firstName);
  const last = text(p.lastName);
  const fullName = [first, last].filter((part) => part !== undefined).join(" ");
  return {
    userName,
    displayName: text(p.displayName) ?? (fullName === "" ? userName : fullName),
    active: !INACTIVE.has(okta.status),
    title: text(p.title),
    "name.givenName": first,
    "name.familyName": last,
    email,
    workPhone: text(p.primaryPhone),
    mobilePhone: text(p.mobilePhone),
    department: text(p.department),
    employeeNumber: text(p.employeeNumber),
  };
}

function stored(got: StoredUser): Expected {
  const enterprise = got[ENTERPRISE_USER_SCHEMA];
  return {
    userName: got.userName,
    displayName: got.displayName,
    active: got.active,
    title: got.title,
    "name.givenName": got.name?.givenName,
    "name.familyName": got.name?.familyName,
    email: got.emails?.find((e) => e.type === "work")?.value,
    workPhone: got.phoneNumbers?.find((p) => p.type === "work")?.value,
    mobilePhone: got.phoneNumbers?.find((p) => p.type === "mobile")?.value,
    department: enterprise?.department,
    employeeNumber: enterprise?.employeeNumber,
  };
}

function compareUser(want: Expected, got: StoredUser): string | undefined {
  const have = stored(got);
  const wrong = (Object.keys(want) as Field[]).filter(
    (field) => (want[field] ?? undefined) !== (have[field] ?? undefined),
  );
  if (wrong.length === 0) return undefined;
  return wrong
    .map((field) => `${field} is ${JSON.stringify(have[field])}, Okta says ${JSON.stringify(want[field])}`)
    .join("; ");
}
