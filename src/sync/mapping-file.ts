import { readFileSync } from "node:fs";
import { z } from "zod";
import { DEFAULT_MAPPING, type Mapping, type MappingEntry, type ValueSource } from "./mapping.ts";
import { SCIM_ATTRIBUTES } from "./scim-attributes.ts";

/**
 * MAPPING_FILE: a JSON file that overrides or extends the default mapping (README, "Attribute
 * mapping"). JSON rather than YAML keeps the dependency list short; the file is small and written once.
 * Every problem is reported at once, each naming the entry and what is wrong, and the process stops.
 */
export class MappingFileError extends Error {
  override name = "MappingFileError";
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const attributeName = /^\$(status|id)$|^[A-Za-z_][\w]*$/;

const entrySchema = z
  .strictObject({
    from: z
      .union([z.string(), z.array(z.string()).min(1)])
      .transform((v) => (typeof v === "string" ? [v] : v))
      .optional(),
    template: z.string().min(1).optional(),
    value: z.union([scalar, z.array(z.string())]).optional(),
    transform: z.enum(["lowercase", "uppercase", "trim"]).optional(),
    map: z.record(z.string(), scalar).optional(),
    default: scalar.optional(),
    proficiency: z.number().min(0).max(5).optional(),
    authority: z.string().min(1).optional(),
    matchBy: z.enum(["oktaId", "userName", "employeeNumber"]).optional(),
  })
  .refine((e) => e.from !== undefined || e.template !== undefined || e.value !== undefined, {
    error: 'needs one of "from", "template" or "value"',
  });

const fileSchema = z.strictObject({
  attributes: z.record(z.string(), entrySchema.nullable()).default({}),
  groups: z.record(z.string().min(1), z.string().min(1)).default({}),
});

/** Attributes every user must have: a file may change where they come from, not drop them. */
const REQUIRED = new Set(["userName", "displayName", "active"]);

export function loadMappingFile(path: string): Mapping {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new MappingFileError(`MAPPING_FILE ${path}: cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MappingFileError(`MAPPING_FILE ${path}: is not valid JSON (${(error as Error).message})`);
  }
  return parseMapping(json, `MAPPING_FILE ${path}`);
}

/** Validates a parsed mapping file and lays it over the default mapping. */
export function parseMapping(json: unknown, label = "mapping"): Mapping {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new MappingFileError(
      `${label}:\n  ${parsed.error.issues.map((i) => `${entryPath(i.path)}: ${i.message}`).join("\n  ")}`,
    );
  }
  const problems: string[] = [];
  const overrides = new Map<string, MappingEntry | null>();
  for (const [target, entry] of Object.entries(parsed.data.attributes)) {
    const where = `attributes.${target}`;
    const attribute = SCIM_ATTRIBUTES.get(target);
    if (attribute === undefined || target === "externalId") {
      const known = [...SCIM_ATTRIBUTES.keys()].filter((k) => k !== "externalId").join(", ");
      problems.push(
        `${where}: ${target === "externalId" ? "is always the Okta user id and cannot be mapped" : `is not a Genesys attribute the bridge can write; known: ${known}`}`,
      );
      continue;
    }
    if (entry === null) {
      if (REQUIRED.has(target)) problems.push(`${where}: is required by Genesys and cannot be removed`);
      overrides.set(target, null);
      continue;
    }
    const { proficiency, authority, matchBy, ...rest } = entry;
    const source = withoutUndefined(rest) as ValueSource;
    for (const name of [...(source.from ?? []), ...placeholders(source.template)]) {
      if (!attributeName.test(name))
        problems.push(`${where}: "${name}" is not an Okta attribute name (or $status, $id)`);
    }
    if (matchBy !== undefined && attribute.kind !== "manager")
      problems.push(`${where}: "matchBy" applies to manager only`);
    if (proficiency !== undefined && attribute.kind !== "named")
      problems.push(`${where}: "proficiency" applies to routingSkills and routingLanguages only`);
    if (authority !== undefined && attribute.kind !== "externalIds")
      problems.push(`${where}: "authority" applies to externalIds only`);
    if (attribute.kind === "externalIds" && authority === undefined)
      problems.push(`${where}: needs "authority", the system the ids belong to`);
    overrides.set(target, {
      target,
      source,
      ...(proficiency === undefined ? {} : { proficiency }),
      ...(authority === undefined ? {} : { authority }),
      ...(matchBy === undefined ? {} : { matchBy }),
    });
  }
  if (problems.length > 0) throw new MappingFileError(`${label}:\n  ${problems.join("\n  ")}`);
  const entries = DEFAULT_MAPPING.entries
    .filter((e) => !overrides.has(e.target))
    .concat([...overrides.values()].filter((e): e is MappingEntry => e !== null));
  return { entries, groupNames: parsed.data.groups };
}

function placeholders(template: string | undefined): string[] {
  return template === undefined ? [] : [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? "");
}

function entryPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(file)" : path.map(String).join(".");
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
