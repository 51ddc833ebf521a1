import { randomInt } from "node:crypto";
import type { OktaEventTarget } from "./okta-events.ts";

/**
 * An Okta user as `GET /api/v1/users/{id}` returns it
 * (developer.okta.com/docs/reference/api/users/#user-object), and Okta's id format.
 */
export type OktaUserStatus =
  | "STAGED"
  | "PROVISIONED"
  | "ACTIVE"
  | "RECOVERY"
  | "LOCKED_OUT"
  | "PASSWORD_EXPIRED"
  | "SUSPENDED"
  | "DEPROVISIONED";

export interface OktaProfile {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName?: string;
  title?: string;
  department?: string;
  division?: string;
  employeeNumber?: string;
  primaryPhone?: string;
  mobilePhone?: string;
  managerId?: string;
  [attribute: string]: unknown;
}

export interface OktaUser {
  id: string;
  status: OktaUserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  type: { id: string };
  profile: OktaProfile;
  credentials: { provider: { type: "OKTA"; name: "OKTA" } };
  _links: { self: { href: string } };
}

export function userTarget(user: OktaUser): OktaEventTarget {
  const { firstName, lastName, login } = user.profile;
  return {
    id: user.id,
    type: "User",
    alternateId: login,
    displayName: `${firstName} ${lastName}`.trim(),
    detailEntry: null,
  };
}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Okta ids: a three-character type prefix (`00u` users, `00g` groups) and 17 random characters. */
export function oktaId(prefix: string): string {
  let id = prefix;
  for (let i = 0; i < 17; i += 1) id += alphanumeric[randomInt(alphanumeric.length)];
  return id;
}
