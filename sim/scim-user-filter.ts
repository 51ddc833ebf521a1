import { ENTERPRISE_USER_SCHEMA, type ScimUser } from "./scim-user-schema.ts";

/**
 * The attributes Genesys accepts in `GET /scim/v2/users?filter=` and where each lives on a user.
 * `email` is Genesys' own shorthand: the userName and every address in `emails`.
 */
const enterprise = `${ENTERPRISE_USER_SCHEMA.toLowerCase()}:`;

const resolvers: Record<string, (user: ScimUser) => readonly unknown[]> = {
  id: (user) => [user.id],
  username: (user) => [user.userName],
  externalid: (user) => [user.externalId],
  displayname: (user) => [user.displayName],
  title: (user) => [user.title],
  active: (user) => [user.active],
  email: (user) => [user.userName, ...(user.emails ?? []).map((email) => email.value)],
  emails: (user) => (user.emails ?? []).map((email) => email.value),
  "emails.value": (user) => (user.emails ?? []).map((email) => email.value),
  "name.givenname": (user) => [user.name?.givenName],
  "name.familyname": (user) => [user.name?.familyName],
  employeenumber: (user) => [user[ENTERPRISE_USER_SCHEMA]?.employeeNumber],
  department: (user) => [user[ENTERPRISE_USER_SCHEMA]?.department],
  division: (user) => [user[ENTERPRISE_USER_SCHEMA]?.division],
  manager: (user) => [user[ENTERPRISE_USER_SCHEMA]?.manager?.value],
  "manager.value": (user) => [user[ENTERPRISE_USER_SCHEMA]?.manager?.value],
};

function resolverFor(attribute: string): ((user: ScimUser) => readonly unknown[]) | undefined {
  let name = attribute.toLowerCase();
  if (name.startsWith(enterprise)) name = name.slice(enterprise.length);
  return resolvers[name];
}

export function isKnownFilterAttribute(attribute: string): boolean {
  return resolverFor(attribute) !== undefined;
}

export function filterValues(user: ScimUser, attribute: string): readonly unknown[] {
  return resolverFor(attribute)?.(user) ?? [];
}
