import { z } from "zod";

/**
 * The environment variables the bridge reads, their types and defaults. Only config.ts parses it;
 * kept apart so the rules for the config (loading, warnings, secrets) fit in one short file.
 */

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://example.okta.com" })
  .transform((v) => v.replace(/\/+$/, ""))
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("0.0.0.0"),
  OKTA_HOOK_SECRET: z
    .string({ error: "is required: the exact header value Okta sends with every event hook delivery" })
    // Okta accepts any value; a short one is allowed but warned about at start (main.ts).
    .min(1, { error: "must not be empty: the exact header value Okta sends with every delivery" }),
  OKTA_HOOK_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, { error: "must be an HTTP header name, e.g. authorization" })
    .default("authorization")
    .transform((v) => v.toLowerCase()),
  OKTA_ORG_URL: httpUrl,
  OKTA_API_TOKEN: optionalString,
  GENESYS_REGION: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]+$/, { error: "must be a Genesys Cloud region domain, e.g. mypurecloud.ie" })
    .optional(),
  GENESYS_API_URL: httpUrl,
  GENESYS_LOGIN_URL: httpUrl,
  GENESYS_CLIENT_ID: optionalString,
  GENESYS_CLIENT_SECRET: optionalString,
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v) => parseTrustProxy(v)),
  ADMIN_TOKEN: optionalString,
  // Enough in flight for 500 requests/s at 100 ms answers; the controller sizes its own cap under it.
  GENESYS_MAX_CONCURRENCY: positiveInt(64),
  GENESYS_INITIAL_RATE: z.coerce.number().positive().default(3),
  // Requests per minute, when the user knows the client's quota: a ceiling, still checked by 429s.
  GENESYS_RATE_LIMIT: z.coerce.number().positive().optional(),
  OKTA_MAX_CONCURRENCY: positiveInt(8),
  SYNC_CONCURRENCY: positiveInt(32),
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  HTTP_TIMEOUT_MS: positiveInt(15_000),
  // A sync's lease, renewed every third of it: a dead replica's users wait this long for another.
  LEASE_MS: z.coerce
    .number()
    .int()
    .min(1_000, { error: "must be at least 1000 (it is renewed every third of it, over Redis)" })
    .default(10_000),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\/[^/?#]/, {
        error: "must be a redis:// or rediss:// (TLS) URL, e.g. redis://:password@redis:6379/0",
      })
      .optional(),
  ),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.{}-]+$/, { error: "must be letters, digits and : _ . - { } only, e.g. ogb:" })
    .default("ogb:"),
  MAPPING_FILE: optionalString,
  SYNC_GROUPS: z
    .string()
    .optional()
    .transform((v) => [...new Set((v ?? "").split(",").map((name) => name.trim()))].filter(Boolean)),
});

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value; // an express trust-proxy list such as "loopback, 10.0.0.0/8"
}
