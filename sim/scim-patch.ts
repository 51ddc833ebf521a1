import { FilterSyntaxError, matchesFilter, parseScimFilter, type ScimFilter } from "./scim-filter.ts";
import { ScimError } from "./scim-error.ts";
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GENESYS_USER_SCHEMA } from "./scim-user-schema.ts";

/**
 * SCIM PATCH (RFC 7644 §3.5.2) applied to a plain copy of a user's attributes; the caller validates
 * the result. Covers what IdPs send Genesys: `replace` with or without a path, `add`, `remove`,
 * sub-attributes (`name.givenName`), value filters (`emails[type eq "work"].value`) and extension
 * URN paths (`urn:...:enterprise:2.0:User:department`).
 */
export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

type Json = Record<string, unknown>;
type Op = "add" | "replace" | "remove";

interface PatchPath {
  /** Extension URN, or undefined for a core attribute. */
  schema: string | undefined;
  /** Undefined when the path names a whole extension. */
  attribute: string | undefined;
  filter: ScimFilter | undefined;
  subAttribute: string | undefined;
}

const attributesBySchema = new Map<string | undefined, readonly string[]>([
  [
    undefined,
    ["userName", "displayName", "active", "externalId", "title", "name", "emails", "phoneNumbers", "roles"],
  ],
  [ENTERPRISE_USER_SCHEMA, ["department", "division", "manager", "employeeNumber", "dateHire"]],
  [GENESYS_USER_SCHEMA, ["routingSkills", "routingLanguages", "externalIds"]],
]);
const readOnlyAttributes = ["id", "meta", "groups", "schemas"];
const subAttributes = canonicalNames([
  ...["givenName", "familyName", "middleName", "formatted", "value", "type", "primary", "display"],
  ...["name", "proficiency", "authority"],
]);
const multiValued = new Set([
  "emails",
  "phoneNumbers",
  "roles",
  "routingSkills",
  "routingLanguages",
  "externalIds",
]);
const schemaUrns = [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GENESYS_USER_SCHEMA];

export function applyScimPatch(user: Json, body: unknown): void {
  if (!isObject(body) || !Array.isArray(body.schemas) || !body.schemas.includes(PATCH_OP_SCHEMA)) {
    throw new ScimError(400, "invalidSyntax", `A PATCH body must carry the schema ${PATCH_OP_SCHEMA}`);
  }
  if (!Array.isArray(body.Operations) || body.Operations.length === 0) {
    throw new ScimError(400, "invalidSyntax", "A PATCH body needs a non-empty Operations array");
  }
  for (const operation of body.Operations) applyOperation(user, operation);
}

function applyOperation(user: Json, operation: unknown): void {
  if (!isObject(operation)) throw new ScimError(400, "invalidSyntax", "Each operation must be an object");
  const op = typeof operation.op === "string" ? operation.op.toLowerCase() : "";
  // Entra ID sends "Replace" and friends: op names are case-insensitive in practice.
  if (op !== "add" && op !== "replace" && op !== "remove") {
    throw new ScimError(400, "invalidSyntax", `Unknown PATCH op ${JSON.stringify(operation.op)}`);
  }
  const { path, value } = operation;
  if (path === undefined || path === "") {
    if (op === "remove") throw new ScimError(400, "noTarget", "A remove operation needs a path");
    if (!isObject(value))
      throw new ScimError(400, "invalidValue", "An operation without a path needs an object value");
    for (const [key, inner] of Object.entries(value)) applyAt(user, op, parsePath(key), inner);
    return;
  }
  if (typeof path !== "string") throw new ScimError(400, "invalidPath", "path must be a string");
  applyAt(user, op, parsePath(path), value);
}

function applyAt(user: Json, op: Op, path: PatchPath, value: unknown): void {
  const container = path.schema === undefined ? user : extension(user, path.schema, op !== "remove");
  if (container === undefined) return;
  const { attribute, subAttribute } = path;
  if (attribute === undefined) {
    if (op === "remove") return void delete user[path.schema ?? ""];
    if (!isObject(value)) throw new ScimError(400, "invalidValue", `${path.schema} needs an object value`);
    for (const [key, inner] of Object.entries(value))
      applyAt(user, op, parsePath(`${path.schema}:${key}`), inner);
    return;
  }
  if (path.filter !== undefined)
    return applyToMatches(container, op, path.filter, attribute, subAttribute, value);
  if (subAttribute !== undefined) {
    const current = container[attribute];
    if (op === "remove") return void (isObject(current) && delete current[subAttribute]);
    const complex = isObject(current) ? current : ((container[attribute] = {}) as Json);
    complex[subAttribute] = value;
    return;
  }
  if (op === "remove") return void delete container[attribute];
  const current = container[attribute];
  if (op === "add" && multiValued.has(attribute)) {
    const list = Array.isArray(current) ? current : [];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (!list.some((existing) => JSON.stringify(existing) === JSON.stringify(item))) list.push(item);
    }
    container[attribute] = list;
    return;
  }
  // A complex attribute keeps the sub-attributes the value does not mention (RFC 7644 §3.5.2.1, .3).
  if (isObject(current) && isObject(value)) Object.assign(current, value);
  else container[attribute] = value;
}

function applyToMatches(
  container: Json,
  op: Op,
  filter: ScimFilter,
  attribute: string,
  subAttribute: string | undefined,
  value: unknown,
): void {
  const list: unknown[] = Array.isArray(container[attribute]) ? (container[attribute] as unknown[]) : [];
  const matches = list.filter(
    (element): element is Json =>
      isObject(element) &&
      matchesFilter(filter, (name) => [element[subAttributes.get(name.toLowerCase()) ?? name]]),
  );
  if (op === "remove") {
    if (subAttribute === undefined)
      container[attribute] = list.filter((element) => !matches.includes(element as Json));
    else for (const match of matches) delete match[subAttribute];
    dropValuelessElements(container, attribute);
    return;
  }
  if (matches.length === 0) {
    // Okta and Entra ID send `replace emails[type eq "work"].value` when no work email exists yet;
    // Genesys, like most SCIM servers, creates the element the filter names instead of failing.
    if (filter.kind !== "compare" || filter.operator !== "eq") {
      throw new ScimError(400, "noTarget", `No ${attribute} value matches the filter`);
    }
    const created: Json = {
      [subAttributes.get(filter.attribute.toLowerCase()) ?? filter.attribute]: filter.value,
    };
    list.push(created);
    matches.push(created);
    container[attribute] = list;
  }
  for (const match of matches) {
    if (subAttribute !== undefined) match[subAttribute] = value;
    else if (isObject(value)) Object.assign(match, value);
    else throw new ScimError(400, "invalidValue", `${attribute}[...] needs an object value`);
  }
}

function parsePath(raw: string): PatchPath {
  let schema: string | undefined;
  let rest = raw;
  const lower = raw.toLowerCase();
  for (const urn of schemaUrns) {
    const prefix = urn.toLowerCase();
    const inCore = urn === CORE_USER_SCHEMA;
    if (lower === prefix && !inCore)
      return { schema: urn, attribute: undefined, filter: undefined, subAttribute: undefined };
    if (lower.startsWith(`${prefix}:`)) {
      schema = inCore ? undefined : urn;
      rest = raw.slice(prefix.length + 1);
      break;
    }
  }
  const parts = /^([A-Za-z][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z$][\w$-]*))?$/.exec(rest);
  if (parts === null) throw new ScimError(400, "invalidPath", `Cannot parse the path ${raw}`);
  const [, name = "", filterText, subName] = parts;
  if (readOnlyAttributes.includes(name.toLowerCase()))
    throw new ScimError(400, "mutability", `${name} is read-only`);
  const attribute = attributesBySchema
    .get(schema)
    ?.find((known) => known.toLowerCase() === name.toLowerCase());
  if (attribute === undefined) throw new ScimError(400, "invalidPath", `Unknown attribute in path ${raw}`);
  const subAttribute = subName === undefined ? undefined : subAttributes.get(subName.toLowerCase());
  if (subName !== undefined && subAttribute === undefined) {
    throw new ScimError(400, "invalidPath", `Unknown sub-attribute in path ${raw}`);
  }
  return {
    schema,
    attribute,
    filter: filterText === undefined ? undefined : parseValueFilter(filterText, raw),
    subAttribute,
  };
}

function parseValueFilter(text: string, path: string): ScimFilter {
  try {
    return parseScimFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError)
      throw new ScimError(400, "invalidPath", `Bad filter in path ${path}`);
    throw error;
  }
}

function extension(user: Json, schema: string, create: boolean): Json | undefined {
  const current = user[schema];
  if (isObject(current)) return current;
  if (!create) return undefined;
  const created: Json = {};
  user[schema] = created;
  return created;
}

/**
 * Removing `emails[type eq "work"].value` leaves an element without a value: drop the element, and
 * the attribute once it is empty, as Genesys leaves empty lists out of its answers.
 */
function dropValuelessElements(container: Json, attribute: string): void {
  const list = container[attribute];
  if (!Array.isArray(list)) return;
  const kept = list.filter((element) => !isObject(element) || "value" in element || "name" in element);
  if (kept.length === 0) delete container[attribute];
  else container[attribute] = kept;
}

function canonicalNames(names: readonly string[]): Map<string, string> {
  return new Map(names.map((name) => [name.toLowerCase(), name]));
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
