import { z } from "zod";

/** The statuses an Okta user can have (Users API reference). */
export const OKTA_STATUSES = [
  "STAGED",
  "PROVISIONED",
  "ACTIVE",
  "RECOVERY",
  "LOCKED_OUT",
  "PASSWORD_EXPIRED",
  "SUSPENDED",
  "DEPROVISIONED",
] as const;

export type OktaStatus = (typeof OKTA_STATUSES)[number];

const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v.trim() === "" ? undefined : v.trim()));

/**
 * The part of an Okta user the bridge reads. Profile attributes are often null in Okta's answers;
 * null and empty strings both mean "not set". Other profile attributes — custom ones included — are
 * kept as Okta sent them, for a mapping file to use.
 */
export const oktaUserSchema = z.object({
  id: z.string().min(1),
  status: z.enum(OKTA_STATUSES),
  lastUpdated: z.string().optional(),
  profile: z
    .object({
      login: optionalText,
      email: optionalText,
      firstName: optionalText,
      lastName: optionalText,
      displayName: optionalText,
      title: optionalText,
      department: optionalText,
      employeeNumber: optionalText,
      primaryPhone: optionalText,
      mobilePhone: optionalText,
    })
    .catchall(z.unknown()),
});

export type OktaUser = z.infer<typeof oktaUserSchema>;
