import type { ScimUserResource } from "../genesys/scim-user.ts";
import { DEFAULT_MAPPING, type Mapping } from "../sync/mapping.ts";
import type { MappedValues } from "../sync/scim-mapping.ts";
import { SCIM_ATTRIBUTES, sameValue, type AttributeValue } from "../sync/scim-attributes.ts";

/** One attribute that Genesys holds differently from what the mapping makes of Okta. */
export interface AttributeChange {
  attribute: string;
  /** undefined: Genesys has no value (or no user at all). */
  genesys: string | boolean | undefined;
  okta: string | boolean | undefined;
}

/**
 * The attributes a mapping makes the bridge own, in the attribute table's order: externalId (how the
 * next sync and the next reconcile recognise the user) and every mapped one.
 */
export function ownedAttributes(mapping: Mapping = DEFAULT_MAPPING): string[] {
  const mapped = new Set(["externalId", ...mapping.entries.map((e) => e.target)]);
  return [...SCIM_ATTRIBUTES.keys()].filter((name) => mapped.has(name));
}

/**
 * What a write would change, attribute by attribute, read through the attribute table from both
 * sides; `genesys` undefined lists every attribute that has a value. `attributes` defaults to the
 * ones the default mapping owns.
 */
export function attributeChanges(
  want: MappedValues,
  genesys: ScimUserResource | undefined,
  attributes: readonly string[] = ownedAttributes(),
): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const name of attributes) {
    const attribute = SCIM_ATTRIBUTES.get(name);
    if (attribute === undefined) continue;
    const okta = want[name];
    const current = genesys === undefined ? undefined : attribute.read(genesys);
    if (!sameValue(okta, current))
      changes.push({ attribute: name, genesys: shown(current), okta: shown(okta) });
  }
  return changes;
}

/** Lists are shown as text a human reads in the dry run: "Support (3), Sales (2)". */
function shown(value: AttributeValue | null | undefined): string | boolean | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (!Array.isArray(value)) return value;
  if (value.length === 0) return undefined;
  return value
    .map((v) => ("name" in v ? `${v.name} (${v.proficiency})` : `${v.authority}:${v.value}`))
    .join(", ");
}
