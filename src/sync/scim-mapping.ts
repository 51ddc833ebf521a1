import { createHash } from "node:crypto";
import type { OktaStatus, OktaUser } from "../okta/okta-user.ts";
import {
  SCIM_CORE_USER,
  SCIM_ENTERPRISE_USER,
  type ScimPhoneNumber,
  type ScimUser,
} from "../genesys/scim-user.ts";

export type MappingResult =
  | { kind: "user"; user: ScimUser }
  /** STAGED users are not pushed until Okta activates them. */
  | { kind: "not-yet"; reason: string }
  /** Nothing Genesys would accept as a userName: a human must fix the Okta profile. */
  | { kind: "invalid"; reason: string };

/** Still employed: Genesys keeps them active. SUSPENDED and DEPROVISIONED make the user inactive. */
const ACTIVE_STATUSES: ReadonlySet<OktaStatus> = new Set([
  "ACTIVE",
  "PROVISIONED",
  "RECOVERY",
  "LOCKED_OUT",
  "PASSWORD_EXPIRED",
]);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The default mapping from an Okta user to the SCIM user Genesys Cloud stores (documented in the
 * README). Attributes without a value are left out rather than sent empty.
 */
export function mapOktaUser(okta: OktaUser): MappingResult {
  if (okta.status === "STAGED") return { kind: "not-yet", reason: "the Okta user is STAGED" };
  const p = okta.profile;
  // Genesys requires userName to be the user's email; Okta logins usually are, but need not be.
  const userName =
    p.login && EMAIL.test(p.login) ? p.login : p.email && EMAIL.test(p.email) ? p.email : undefined;
  if (!userName) {
    return {
      kind: "invalid",
      reason: `Okta user ${okta.id} has no email-shaped login or email to use as the Genesys userName`,
    };
  }
  const fullName = [p.firstName, p.lastName].filter(Boolean).join(" ");
  const phoneNumbers: ScimPhoneNumber[] = [];
  if (p.primaryPhone) phoneNumbers.push({ type: "work", value: p.primaryPhone });
  if (p.mobilePhone) phoneNumbers.push({ type: "mobile", value: p.mobilePhone });
  const enterprise = compact({ department: p.department, employeeNumber: p.employeeNumber });
  const name = compact({ givenName: p.firstName, familyName: p.lastName });

  const user: ScimUser = {
    schemas: enterprise ? [SCIM_CORE_USER, SCIM_ENTERPRISE_USER] : [SCIM_CORE_USER],
    userName,
    externalId: okta.id,
    displayName: p.displayName ?? (fullName || userName),
    active: ACTIVE_STATUSES.has(okta.status),
  };
  if (name) user.name = name;
  if (p.title) user.title = p.title;
  if (p.email) user.emails = [{ type: "work", value: p.email, primary: true }];
  if (phoneNumbers.length > 0) user.phoneNumbers = phoneNumbers;
  if (enterprise) user[SCIM_ENTERPRISE_USER] = enterprise;
  return { kind: "user", user };
}

/** A stable fingerprint of a SCIM body, so that writing the same body twice can be skipped. */
export function scimBodyHash(user: ScimUser): string {
  return createHash("sha256").update(canonicalJson(user)).digest("base64url");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function compact<T extends Record<string, string | undefined>>(
  values: T,
): Partial<Record<keyof T, string>> | undefined {
  const out: Partial<Record<keyof T, string>> = {};
  let any = false;
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) {
      out[key as keyof T] = value;
      any = true;
    }
  }
  return any ? out : undefined;
}
