import type { OktaUser } from "../okta/okta-user.ts";
import type { ScimNamedValue } from "../genesys/scim-user.ts";
import type { MappedScalar, MappingEntry } from "./mapping.ts";
import type { AttributeKind, AttributeValue } from "./scim-attributes.ts";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PLACEHOLDER = /\{([$\w]+)\}/g;

type Raw = MappedScalar | readonly string[] | undefined;

/**
 * One entry's value for one Okta user, already in the shape its attribute takes, or undefined when
 * the user has no usable value (the attribute is then left out of a new user and removed by a PATCH).
 */
export function entryValue(
  entry: MappingEntry,
  kind: AttributeKind,
  okta: OktaUser,
): AttributeValue | undefined {
  const { source } = entry;
  for (const name of source.from ?? []) {
    const value = shape(entry, kind, finish(entry, oktaAttribute(okta, name)));
    if (value !== undefined) return value;
  }
  if (source.template !== undefined) {
    const value = shape(entry, kind, finish(entry, fillTemplate(source.template, okta)));
    if (value !== undefined) return value;
  }
  if (source.value !== undefined) {
    const value = shape(entry, kind, finish(entry, source.value));
    if (value !== undefined) return value;
  }
  return shape(entry, kind, source.default);
}

/** `$status` and `$id` are the user's own fields; anything else is a profile attribute. */
export function oktaAttribute(okta: OktaUser, name: string): Raw {
  if (name === "$status") return okta.status;
  if (name === "$id") return okta.id;
  const value = okta.profile[name];
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim();
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) {
    const texts = value.filter((v): v is string => typeof v === "string" && v.trim() !== "");
    return texts.length > 0 ? texts : undefined;
  }
  return undefined;
}

/** Placeholders without a value drop out, and so does the space around them; none at all: no value. */
function fillTemplate(template: string, okta: OktaUser): string | undefined {
  let any = false;
  const text = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = oktaAttribute(okta, name);
    if (value === undefined) return "";
    any = true;
    return Array.isArray(value) ? value.join(", ") : String(value);
  });
  const collapsed = text.replace(/\s+/g, " ").trim();
  return any && collapsed !== "" ? collapsed : undefined;
}

function finish(entry: MappingEntry, raw: Raw): Raw {
  if (raw === undefined) return undefined;
  let value = raw;
  const { transform, map } = entry.source;
  if (transform && typeof value === "string") {
    value =
      transform === "lowercase"
        ? value.toLowerCase()
        : transform === "uppercase"
          ? value.toUpperCase()
          : value;
  }
  if (map !== undefined && !Array.isArray(value)) {
    const key = String(value);
    if (Object.hasOwn(map, key)) return map[key];
    if (entry.source.default !== undefined) return entry.source.default;
  }
  return value;
}

/** Coerces a value to its attribute's kind; a value that cannot be coerced is no value. */
function shape(entry: MappingEntry, kind: AttributeKind, raw: Raw): AttributeValue | undefined {
  if (raw === undefined) return undefined;
  const texts = Array.isArray(raw) ? (raw as string[]) : [String(raw)];
  const text = texts.join(", ").trim();
  switch (kind) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      return text === "true" ? true : text === "false" ? false : undefined;
    case "email":
      return EMAIL.test(text) ? text : undefined;
    case "date": {
      const day = text.slice(0, 10);
      return DATE.test(day) ? day : undefined;
    }
    case "named": {
      const names = texts
        .flatMap((t) => t.split(","))
        .map((t) => t.trim())
        .filter(Boolean);
      const list: ScimNamedValue[] = names.map((name) => ({ name, proficiency: entry.proficiency ?? 0 }));
      return list.length > 0 ? list : undefined;
    }
    case "externalIds":
      return text === "" ? undefined : [{ authority: entry.authority ?? "okta", value: text }];
    default:
      return text === "" ? undefined : text;
  }
}
