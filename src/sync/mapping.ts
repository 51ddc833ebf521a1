/**
 * A mapping: for each Genesys attribute the bridge owns, where its value comes from in the Okta
 * user. The default is what the README documents; MAPPING_FILE overrides or extends it
 * (src/sync/mapping-file.ts). Evaluating it is src/sync/scim-mapping.ts.
 */

/** A JSON scalar a mapping file can give as a constant or a mapped value. */
export type MappedScalar = string | number | boolean;

export interface ValueSource {
  /**
   * Okta attributes tried in order, the first with a usable value wins: a profile attribute name, or
   * `$status` / `$id` for the user's status and id (`$` cannot start an Okta attribute name).
   */
  from?: readonly string[];
  /** Used when no `from` attribute has a value, e.g. `{firstName} {lastName}`. */
  template?: string;
  /** A constant, used when neither `from` nor `template` gives a value. */
  value?: MappedScalar | readonly string[];
  transform?: "lowercase" | "uppercase" | "trim";
  /** Replaces a value found in it (keys compare as text); other values pass unchanged. */
  map?: Readonly<Record<string, MappedScalar>>;
  /** Used when the value is missing, or `map` does not know it. */
  default?: MappedScalar;
}

/** How `managerId` (or another attribute) names the manager, to find the manager's Genesys id. */
export type ManagerMatch = "oktaId" | "userName" | "employeeNumber";

export interface MappingEntry {
  /** A name from the attribute table (src/sync/scim-attributes.ts). */
  target: string;
  source: ValueSource;
  /** Routing skills and languages: the proficiency given to each name (0-5). */
  proficiency?: number;
  /** Genesys externalIds: the authority each value is recorded under. */
  authority?: string;
  matchBy?: ManagerMatch;
}

export interface Mapping {
  entries: readonly MappingEntry[];
  /** Okta group name → Genesys group name, for groups the file renames. */
  groupNames: Readonly<Record<string, string>>;
}

/** Okta statuses of people still employed: Genesys keeps them active. */
export const ACTIVE_STATUS_MAP: Readonly<Record<string, boolean>> = {
  ACTIVE: true,
  PROVISIONED: true,
  RECOVERY: true,
  LOCKED_OUT: true,
  PASSWORD_EXPIRED: true,
};

const from = (...names: string[]): ValueSource => ({ from: names });

/** The default mapping (README, section "Attribute mapping"). externalId is always the Okta id. */
export const DEFAULT_MAPPING: Mapping = {
  entries: [
    // Genesys requires userName to be the user's email; Okta logins usually are, but need not be.
    { target: "userName", source: from("login", "email") },
    { target: "displayName", source: { from: ["displayName"], template: "{firstName} {lastName}" } },
    { target: "active", source: { from: ["$status"], map: ACTIVE_STATUS_MAP, default: false } },
    { target: "title", source: from("title") },
    { target: "name.givenName", source: from("firstName") },
    { target: "name.familyName", source: from("lastName") },
    { target: "emails[work]", source: from("email") },
    { target: "phoneNumbers[work]", source: from("primaryPhone") },
    { target: "phoneNumbers[mobile]", source: from("mobilePhone") },
    { target: "department", source: from("department") },
    { target: "employeeNumber", source: from("employeeNumber") },
  ],
  groupNames: {},
};
