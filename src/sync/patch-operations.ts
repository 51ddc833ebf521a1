import type { ScimPatchOperation, ScimUserResource } from "../genesys/scim-user.ts";
import type { MappedValues } from "./scim-mapping.ts";
import { SCIM_ATTRIBUTES, sameValue } from "./scim-attributes.ts";

/**
 * The PATCH operations that take Genesys from `from` to `to`, touching only the listed attributes
 * (the ones the bridge owns) and, of those, only the ones that differ. Everything else on the user —
 * roles, skills an admin set, other phone types — is not named, so it survives (a PUT would replace it).
 */
export function patchOperations(
  from: MappedValues,
  to: MappedValues,
  attributes: readonly string[],
): ScimPatchOperation[] {
  const operations: ScimPatchOperation[] = [];
  for (const name of attributes) {
    const attribute = SCIM_ATTRIBUTES.get(name);
    if (attribute === undefined || sameValue(from[name], to[name])) continue;
    const value = to[name];
    if (value === undefined || value === "") operations.push({ op: "remove", path: attribute.path });
    else
      operations.push({ op: "replace", path: attribute.path, value: attribute.patchValue?.(value) ?? value });
  }
  return operations;
}

/** What Genesys holds of the listed attributes, read through the attribute table. */
export function valuesOf(resource: ScimUserResource, attributes: readonly string[]): MappedValues {
  const values: MappedValues = {};
  for (const name of attributes) {
    const value = SCIM_ATTRIBUTES.get(name)?.read(resource);
    if (value !== undefined && value !== null && value !== "") values[name] = value;
  }
  return values;
}
