/** SCIM v2 schema URNs Genesys Cloud uses for users and groups. */
export const SCIM_CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const SCIM_ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const SCIM_GENESYS_USER = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";
export const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SCIM_PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export interface ScimEmail {
  type: "work" | "other";
  value: string;
  primary?: boolean;
}

export const PHONE_TYPES = ["work", "work2", "work3", "work4", "home", "mobile", "other"] as const;

export interface ScimPhoneNumber {
  type: (typeof PHONE_TYPES)[number];
  value: string;
  primary?: boolean;
}

/** A routing skill or language and the proficiency (0-5) Genesys routes on. */
export interface ScimNamedValue {
  name: string;
  proficiency: number;
}

export interface ScimExternalId {
  authority: string;
  value: string;
}

export interface ScimEnterpriseUser {
  department?: string;
  division?: string;
  employeeNumber?: string;
  dateHire?: string;
  /** A Genesys user id. */
  manager?: { value: string };
}

export interface ScimGenesysUser {
  routingSkills?: ScimNamedValue[];
  routingLanguages?: ScimNamedValue[];
  externalIds?: ScimExternalId[];
}

/** The attributes the bridge writes. Attributes it does not own (roles, other phones) are never sent. */
export interface ScimUser {
  schemas: string[];
  id?: string;
  userName: string;
  externalId: string;
  displayName: string;
  active: boolean;
  name?: { givenName?: string; familyName?: string };
  title?: string;
  emails?: ScimEmail[];
  phoneNumbers?: ScimPhoneNumber[];
  [SCIM_ENTERPRISE_USER]?: ScimEnterpriseUser;
  [SCIM_GENESYS_USER]?: ScimGenesysUser;
}

/** A user as Genesys returns it: what the bridge wrote plus attributes others own. */
export interface ScimUserResource extends Partial<ScimUser> {
  id: string;
  roles?: { value: string }[];
  meta?: { version?: string; lastModified?: string };
}

/** One PATCH operation (RFC 7644 §3.5.2). */
export interface ScimPatchOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
}
