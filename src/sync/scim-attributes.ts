import {
  PHONE_TYPES,
  SCIM_ENTERPRISE_USER,
  SCIM_GENESYS_USER,
  type ScimEnterpriseUser,
  type ScimExternalId,
  type ScimGenesysUser,
  type ScimNamedValue,
  type ScimUser,
} from "../genesys/scim-user.ts";

/**
 * The one table of Genesys user attributes the bridge can own: how each is read from a SCIM user,
 * written into a new one, and addressed in a PATCH. The mapping, the write path's diff, the
 * reconcile's comparison and the dry run's per-attribute report all go through it, so adding an
 * attribute here is the whole change.
 */
export type AttributeValue = string | boolean | ScimNamedValue[] | ScimExternalId[];

/** string: plain text; email: text Genesys accepts as an address; named: skills/languages. */
export type AttributeKind = "string" | "email" | "boolean" | "date" | "named" | "externalIds" | "manager";

export interface ScimAttribute {
  name: string;
  kind: AttributeKind;
  read(user: Partial<ScimUser>): AttributeValue | undefined;
  write(user: ScimUser, value: AttributeValue): void;
  /** The PATCH path (RFC 7644 §3.5.2); Genesys documents the filtered forms for emails and phones. */
  path: string;
  /** The PATCH value for a path: the manager is written as `{ value }`. */
  patchValue?(value: AttributeValue): unknown;
}

const ENT = SCIM_ENTERPRISE_USER;
const GEN = SCIM_GENESYS_USER;

function core(name: "displayName" | "title" | "userName", kind: AttributeKind = "string"): ScimAttribute {
  return {
    name,
    kind,
    path: name,
    read: (u) => u[name],
    write: (u, v) => void (u[name] = v as string),
  };
}

function givenOrFamily(part: "givenName" | "familyName"): ScimAttribute {
  return {
    name: `name.${part}`,
    kind: "string",
    path: `name.${part}`,
    read: (u) => u.name?.[part],
    write: (u, v) => void (u.name = { ...u.name, [part]: v as string }),
  };
}

function phone(type: (typeof PHONE_TYPES)[number]): ScimAttribute {
  return {
    name: `phoneNumbers[${type}]`,
    kind: "string",
    path: `phoneNumbers[type eq "${type}"].value`,
    read: (u) => u.phoneNumbers?.find((p) => p.type === type)?.value,
    write: (u, v) => void (u.phoneNumbers = [...(u.phoneNumbers ?? []), { type, value: v as string }]),
  };
}

function enterprise(name: Exclude<keyof ScimEnterpriseUser, "manager">, kind: AttributeKind): ScimAttribute {
  return {
    name,
    kind,
    path: `${ENT}:${name}`,
    read: (u) => u[ENT]?.[name],
    write: (u, v) => void (u[ENT] = { ...u[ENT], [name]: v as string }),
  };
}

function genesys(name: keyof ScimGenesysUser, kind: AttributeKind): ScimAttribute {
  return {
    name,
    kind,
    path: `${GEN}:${name}`,
    read: (u) => u[GEN]?.[name],
    write: (u, v) => void (u[GEN] = { ...u[GEN], [name]: v } as ScimGenesysUser),
  };
}

const TABLE: readonly ScimAttribute[] = [
  core("userName", "email"),
  {
    name: "externalId",
    kind: "string",
    path: "externalId",
    read: (u) => u.externalId,
    write: (u, v) => void (u.externalId = v as string),
  },
  core("displayName"),
  {
    name: "active",
    kind: "boolean",
    path: "active",
    read: (u) => u.active,
    write: (u, v) => void (u.active = v as boolean),
  },
  core("title"),
  givenOrFamily("givenName"),
  givenOrFamily("familyName"),
  {
    name: "emails[work]",
    kind: "email",
    path: 'emails[type eq "work"].value',
    read: (u) => u.emails?.find((e) => e.type === "work")?.value,
    write: (u, v) => void (u.emails = [{ type: "work", value: v as string, primary: true }]),
  },
  ...PHONE_TYPES.map(phone),
  enterprise("department", "string"),
  enterprise("division", "string"),
  enterprise("employeeNumber", "string"),
  enterprise("dateHire", "date"),
  {
    name: "manager",
    kind: "manager",
    path: `${ENT}:manager`,
    read: (u) => u[ENT]?.manager?.value,
    write: (u, v) => void (u[ENT] = { ...u[ENT], manager: { value: v as string } }),
    patchValue: (v) => ({ value: v }),
  },
  genesys("routingSkills", "named"),
  genesys("routingLanguages", "named"),
  genesys("externalIds", "externalIds"),
];

/** Table order is the order attributes are written, compared and reported in. */
export const SCIM_ATTRIBUTES: ReadonlyMap<string, ScimAttribute> = new Map(TABLE.map((a) => [a.name, a]));

/** Always written, whatever the mapping says: Genesys requires them, and externalId is ownership. */
export const REQUIRED_ATTRIBUTES = ["userName", "externalId", "displayName", "active"] as const;

/** Values equal for Genesys: null, "" and a missing value are all "no value"; lists compare by content. */
export function sameValue(
  a: AttributeValue | null | undefined,
  b: AttributeValue | null | undefined,
): boolean {
  return canonical(a) === canonical(b);
}

export function canonical(value: AttributeValue | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return JSON.stringify(
      value.map((v) => ("name" in v ? [v.name, v.proficiency] : [v.authority, v.value])).sort(),
    );
  }
  return typeof value === "string" ? `s:${value}` : `b:${value}`;
}
