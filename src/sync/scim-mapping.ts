import { createHash } from "node:crypto";
import type { OktaUser } from "../okta/okta-user.ts";
import {
  SCIM_CORE_USER,
  SCIM_ENTERPRISE_USER,
  SCIM_GENESYS_USER,
  type ScimUser,
} from "../genesys/scim-user.ts";
import { DEFAULT_MAPPING, type ManagerMatch, type Mapping } from "./mapping.ts";
import { entryValue } from "./mapping-values.ts";
import { SCIM_ATTRIBUTES, type AttributeValue } from "./scim-attributes.ts";

/** Attribute name (from the attribute table) → value; an attribute without a value is absent. */
export type MappedValues = Record<string, AttributeValue>;

/** The manager as Okta names it; the sync turns it into a Genesys id (it may not exist yet). */
export interface ManagerReference {
  value: string;
  matchBy: ManagerMatch;
}

export type MappingResult =
  | { kind: "user"; user: ScimUser; values: MappedValues; manager: ManagerReference | undefined }
  /** STAGED users are not pushed until Okta activates them. */
  | { kind: "not-yet"; reason: string }
  /** Nothing Genesys would accept as a userName: a human must fix the Okta profile. */
  | { kind: "invalid"; reason: string };

/**
 * Maps an Okta user to the SCIM user Genesys Cloud stores, under `mapping` (the default one is
 * documented in the README). Attributes without a value are left out rather than sent empty.
 */
export function mapOktaUser(okta: OktaUser, mapping: Mapping = DEFAULT_MAPPING): MappingResult {
  if (okta.status === "STAGED") return { kind: "not-yet", reason: "the Okta user is STAGED" };
  const values: MappedValues = { externalId: okta.id };
  let manager: ManagerReference | undefined;
  for (const entry of mapping.entries) {
    const attribute = SCIM_ATTRIBUTES.get(entry.target);
    if (attribute === undefined) continue; // the mapping file is validated against the table at start
    const value = entryValue(entry, attribute.kind === "manager" ? "string" : attribute.kind, okta);
    if (value === undefined) continue;
    if (attribute.kind === "manager")
      manager = { value: value as string, matchBy: entry.matchBy ?? "oktaId" };
    else values[entry.target] = value;
  }
  const userName = values["userName"];
  if (typeof userName !== "string") {
    return {
      kind: "invalid",
      reason: `Okta user ${okta.id} has no email-shaped login or email to use as the Genesys userName`,
    };
  }
  values["displayName"] ??= userName; // Genesys requires one
  values["active"] ??= false;
  return { kind: "user", user: scimUserOf(values), values, manager };
}

/** The body of a POST (a new user): every mapped value, in the attribute table's order. */
export function scimUserOf(values: MappedValues): ScimUser {
  const user: ScimUser = {
    schemas: [SCIM_CORE_USER],
    userName: "",
    externalId: "",
    displayName: "",
    active: false,
  };
  for (const [name, attribute] of SCIM_ATTRIBUTES) {
    const value = values[name];
    if (value !== undefined) attribute.write(user, value);
  }
  if (user[SCIM_ENTERPRISE_USER]) user.schemas.push(SCIM_ENTERPRISE_USER);
  if (user[SCIM_GENESYS_USER]) user.schemas.push(SCIM_GENESYS_USER);
  return user;
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
