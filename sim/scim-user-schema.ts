import { z } from "zod";
import { ScimError } from "./scim-error.ts";

/**
 * The user attributes Genesys Cloud's SCIM v2 endpoint maps (help.mypurecloud.com "SCIM attribute
 * mappings"): core attributes, the enterprise extension and the Genesys extension. Unknown attributes
 * are dropped; a known one with the wrong type is a 400, as Genesys answers it.
 */
export const CORE_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GENESYS_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address");
// Genesys refuses phone numbers it cannot parse; allow the usual punctuation and an extension.
const phone = z.string().regex(/^\+?[\d\s().-]{3,}(\s*(x|ext\.?)\s*\d+)?$/i, "must be a phone number");
const named = z.object({ name: z.string().min(1), proficiency: z.number().min(0).max(5) });

export const scimUserAttributes = z.object({
  userName: email,
  displayName: z.string().min(1),
  active: z.boolean().optional(),
  externalId: z.string().min(1).optional(),
  title: z.string().optional(),
  name: z
    .object({
      givenName: z.string().optional(),
      familyName: z.string().optional(),
      middleName: z.string().optional(),
      formatted: z.string().optional(),
    })
    .optional(),
  emails: z
    .array(
      z.object({ value: email, type: z.enum(["work", "other"]).optional(), primary: z.boolean().optional() }),
    )
    .optional(),
  phoneNumbers: z
    .array(
      z.object({
        value: phone,
        type: z.enum(["work", "work2", "work3", "work4", "home", "mobile", "other"]).optional(),
        primary: z.boolean().optional(),
      }),
    )
    .optional(),
  roles: z.array(z.object({ value: z.string().min(1) })).optional(),
  [ENTERPRISE_USER_SCHEMA]: z
    .object({
      department: z.string().optional(),
      division: z.string().optional(),
      manager: z.object({ value: z.string().min(1) }).optional(),
      employeeNumber: z.string().optional(),
      dateHire: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
        .optional(),
    })
    .optional(),
  [GENESYS_USER_SCHEMA]: z
    .object({
      routingSkills: z.array(named).optional(),
      routingLanguages: z.array(named).optional(),
      externalIds: z.array(z.object({ authority: z.string().min(1), value: z.string().min(1) })).optional(),
    })
    .optional(),
});

export type ScimUserAttributes = z.infer<typeof scimUserAttributes>;

export interface ScimMeta {
  resourceType: "User";
  created: string;
  lastModified: string;
  location: string;
  version: string;
}

export type ScimUser = ScimUserAttributes & {
  schemas: string[];
  id: string;
  active: boolean;
  meta: ScimMeta;
};

/** Validates client-supplied attributes; `null` means "no value", as SCIM allows on PUT. */
export function parseScimUserAttributes(input: unknown): ScimUserAttributes {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ScimError(400, "invalidSyntax", "The request body must be a JSON object");
  }
  const result = scimUserAttributes.safeParse(withoutNulls(input));
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`,
  );
  throw new ScimError(400, "invalidValue", problems.join("; "));
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== null) copy[key] = withoutNulls(inner);
  return copy;
}
