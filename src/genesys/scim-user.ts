/** SCIM v2 schema URNs Genesys Cloud uses for users. */
export const SCIM_CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const SCIM_ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

export interface ScimEmail {
  type: "work" | "other";
  value: string;
  primary?: boolean;
}

export interface ScimPhoneNumber {
  type: "work" | "work2" | "work3" | "work4" | "home" | "mobile" | "other";
  value: string;
  primary?: boolean;
}

/** The attributes the bridge writes. Attributes it does not own (roles, skills) are never sent. */
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
  [SCIM_ENTERPRISE_USER]?: { department?: string; employeeNumber?: string };
}

/** A user as Genesys returns it: what the bridge wrote plus read-only attributes. */
export interface ScimUserResource extends Partial<ScimUser> {
  id: string;
  meta?: { version?: string; lastModified?: string };
}
