import assert from "./support/assert.ts";
import { test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import type { OktaProfile, OktaUser, OktaUserStatus } from "../sim/okta-user.ts";
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, type ScimUser } from "../sim/scim-user-schema.ts";

const profile: OktaProfile = {
  login: "ada.lovelace@example.com",
  email: "ada@example.com",
  firstName: "Ada",
  lastName: "Lovelace",
  title: "Analyst",
  department: "Engines",
  employeeNumber: "1815",
  primaryPhone: "+44 20 7946 0000",
  mobilePhone: "+44 7700 900000",
};

function oktaUser(status: OktaUserStatus, changes: Partial<OktaProfile> = {}): OktaUser {
  const time = "2026-01-01T00:00:00.000Z";
  return {
    id: "00u1",
    status,
    created: time,
    activated: time,
    statusChanged: time,
    lastLogin: null,
    lastUpdated: time,
    passwordChanged: null,
    type: { id: "oty1" },
    profile: { ...profile, ...changes },
    credentials: { provider: { type: "OKTA", name: "OKTA" } },
    _links: { self: { href: "https://okta.example/api/v1/users/00u1" } },
  };
}

/** What the README's mapping table says Genesys must hold for `profile`, written out by hand. */
function genesysUser(changes: Partial<ScimUser> = {}): ScimUser {
  return {
    schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    id: "g-1",
    externalId: "00u1",
    userName: "ada.lovelace@example.com",
    displayName: "Ada Lovelace",
    active: true,
    title: "Analyst",
    name: { givenName: "Ada", familyName: "Lovelace" },
    emails: [{ type: "work", value: "ada@example.com", primary: true }],
    phoneNumbers: [
      { type: "work", value: "+44 20 7946 0000" },
      { type: "mobile", value: "+44 7700 900000" },
    ],
    [ENTERPRISE_USER_SCHEMA]: { department: "Engines", employeeNumber: "1815" },
    meta: { resourceType: "User", created: "", lastModified: "", location: "", version: "" },
    ...changes,
  };
}

test("a Genesys user holding every mapped attribute is in step", () => {
  const diff = diffDirectories([oktaUser("ACTIVE")], [genesysUser()]);
  assert.deepEqual(diff, { expected: 1, matching: 1, differences: [] });
});

test("each mapped attribute that differs is named, so a mapping mistake shows", () => {
  const swapped = genesysUser({
    name: { givenName: "Lovelace", familyName: "Ada" },
    phoneNumbers: [
      { type: "work", value: "+44 7700 900000" },
      { type: "mobile", value: "+44 20 7946 0000" },
    ],
    [ENTERPRISE_USER_SCHEMA]: { department: "Engines" },
  });
  const [line] = diffDirectories([oktaUser("ACTIVE")], [swapped]).differences;
  for (const field of ["name.givenName", "name.familyName", "workPhone", "mobilePhone", "employeeNumber"]) {
    assert.match(line ?? "", new RegExp(`${field.replace(".", "\\.")} is`), field);
  }
  assert.doesNotMatch(line ?? "", /title|department|userName/);
});

test("the userName falls back to the email and the displayName to first and last name", () => {
  const okta = oktaUser("ACTIVE", { login: "ada", displayName: "" });
  assert.deepEqual(diffDirectories([okta], [genesysUser({ userName: "ada@example.com" })]).differences, []);
  assert.equal(diffDirectories([okta], [genesysUser()]).differences.length, 1);
});

test("suspended and deprovisioned users must be inactive; staged users must not be in Genesys at all", () => {
  for (const status of ["SUSPENDED", "DEPROVISIONED"] as const) {
    assert.deepEqual(diffDirectories([oktaUser(status)], [genesysUser({ active: false })]).differences, []);
    assert.match(diffDirectories([oktaUser(status)], [genesysUser()]).differences[0] ?? "", /active is true/);
  }
  assert.deepEqual(diffDirectories([oktaUser("STAGED")], []), { expected: 0, matching: 0, differences: [] });
});

test("a missing, a duplicated and an orphaned Genesys user are each reported", () => {
  assert.match(diffDirectories([oktaUser("ACTIVE")], []).differences[0] ?? "", /0 Genesys users/);
  const twice = [genesysUser(), genesysUser({ id: "g-2" })];
  assert.match(diffDirectories([oktaUser("ACTIVE")], twice).differences[0] ?? "", /2 Genesys users/);
  assert.match(diffDirectories([], [genesysUser()]).differences[0] ?? "", /gone from Okta/);
});
