import assert from "./support/assert.ts";
import { test } from "node:test";
import { mapOktaUser, scimBodyHash } from "../src/sync/scim-mapping.ts";
import type { OktaUser } from "../src/okta/okta-user.ts";
import { SCIM_ENTERPRISE_USER } from "../src/genesys/scim-user.ts";

const oktaUser = (over: Partial<OktaUser> = {}, profile: Partial<OktaUser["profile"]> = {}): OktaUser => ({
  id: "00u1abcdEFGHijkl2345",
  status: "ACTIVE",
  ...over,
  profile: {
    login: "ada.lovelace@example.com",
    email: "ada@example.com",
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: undefined,
    title: "Engineer",
    department: "R&D",
    employeeNumber: "1815",
    primaryPhone: "+353 1 555 0100",
    mobilePhone: "+353 87 555 0199",
    ...profile,
  },
});

test("maps every documented attribute of an active Okta user to its SCIM place", () => {
  const result = mapOktaUser(oktaUser());
  assert.equal(result.kind, "user");
  if (result.kind !== "user") return;
  assert.deepEqual(result.user, {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", SCIM_ENTERPRISE_USER],
    userName: "ada.lovelace@example.com",
    externalId: "00u1abcdEFGHijkl2345",
    displayName: "Ada Lovelace",
    active: true,
    name: { givenName: "Ada", familyName: "Lovelace" },
    title: "Engineer",
    emails: [{ type: "work", value: "ada@example.com", primary: true }],
    phoneNumbers: [
      { type: "work", value: "+353 1 555 0100" },
      { type: "mobile", value: "+353 87 555 0199" },
    ],
    [SCIM_ENTERPRISE_USER]: { department: "R&D", employeeNumber: "1815" },
  });
});

test("prefers Okta's displayName and leaves out attributes that have no value", () => {
  const result = mapOktaUser(
    oktaUser(
      {},
      {
        displayName: "Countess of Lovelace",
        title: undefined,
        department: undefined,
        employeeNumber: undefined,
        primaryPhone: undefined,
        mobilePhone: undefined,
      },
    ),
  );
  assert.equal(result.kind, "user");
  if (result.kind !== "user") return;
  assert.equal(result.user.displayName, "Countess of Lovelace");
  assert.equal("title" in result.user, false);
  assert.equal("phoneNumbers" in result.user, false);
  assert.equal(SCIM_ENTERPRISE_USER in result.user, false);
  assert.deepEqual(result.user.schemas, ["urn:ietf:params:scim:schemas:core:2.0:User"]);
});

test("still-employed statuses are active, SUSPENDED and DEPROVISIONED are inactive, STAGED waits", () => {
  for (const status of ["ACTIVE", "PROVISIONED", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED"] as const) {
    const r = mapOktaUser(oktaUser({ status }));
    assert.equal(r.kind === "user" && r.user.active, true, status);
  }
  for (const status of ["SUSPENDED", "DEPROVISIONED"] as const) {
    const r = mapOktaUser(oktaUser({ status }));
    assert.equal(r.kind === "user" && r.user.active, false, status);
  }
  assert.equal(mapOktaUser(oktaUser({ status: "STAGED" })).kind, "not-yet");
});

test("a login that is not an email falls back to the email; neither makes the user invalid", () => {
  const fallback = mapOktaUser(oktaUser({}, { login: "ada" }));
  assert.equal(fallback.kind === "user" && fallback.user.userName, "ada@example.com");
  const invalid = mapOktaUser(oktaUser({}, { login: "ada", email: undefined }));
  assert.equal(invalid.kind, "invalid");
});

test("the body hash ignores key order and changes with any value", () => {
  const a = mapOktaUser(oktaUser());
  const b = mapOktaUser(oktaUser());
  const c = mapOktaUser(oktaUser({}, { title: "Analyst" }));
  assert.ok(a.kind === "user" && b.kind === "user" && c.kind === "user");
  const reordered = Object.fromEntries(Object.entries(b.user).reverse()) as typeof b.user;
  assert.equal(scimBodyHash(a.user), scimBodyHash(reordered));
  assert.notEqual(scimBodyHash(a.user), scimBodyHash(c.user));
});
