import { z } from "zod";
import { DEFAULT_MAPPING, type Mapping } from "./sync/mapping.ts";
import { loadMappingFile, MappingFileError } from "./sync/mapping-file.ts";

/**
 * The only module that reads the environment. It turns `process.env` into a typed, frozen config
 * once at start and fails fast with a message that names the variable and says what is expected.
 * Secret values never appear in those messages.
 */

const SECRET_VARIABLES = new Set([
  "OKTA_HOOK_SECRET",
  "OKTA_API_TOKEN",
  "GENESYS_CLIENT_SECRET",
  "ADMIN_TOKEN",
  // The URL may carry the Redis password.
  "REDIS_URL",
]);

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

const envSchema = z.object({
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

export interface Config {
  port: number;
  host: string;
  hook: { secret: string; header: string };
  okta: { orgUrl: string; apiToken: string };
  genesys: { apiUrl: string; loginUrl: string; clientId: string; clientSecret: string };
  dataDir: string;
  logLevel: string;
  trustProxy: boolean | number | string;
  adminToken: string | undefined;
  /** Set: the store and the rate controllers' shared state live in Redis, for several replicas. */
  redis: { url: string; prefix: string } | undefined;
  /** The attribute mapping: the default one, or the default overlaid by MAPPING_FILE. */
  mapping: Mapping;
  mappingFile: string | undefined;
  /** Okta groups whose membership is pushed (SYNC_GROUPS), and the Genesys group each goes to. */
  groups: readonly { okta: string; genesys: string }[];
  limits: {
    genesysMaxConcurrency: number;
    genesysInitialRate: number;
    /** Requests per minute the Genesys client may make, when told; undefined: found by the controller. */
    genesysRateLimit: number | undefined;
    oktaMaxConcurrency: number;
    syncConcurrency: number;
    shutdownGraceMs: number;
    httpTimeoutMs: number;
  };
}

/** Secrets shorter than this can be guessed; they are accepted with a warning. */
export const RECOMMENDED_SECRET_LENGTH = 16;

/** Settings that work but deserve a word in the log. Never includes a secret's value. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.hook.secret.length < RECOMMENDED_SECRET_LENGTH) {
    warnings.push(
      `OKTA_HOOK_SECRET is shorter than ${RECOMMENDED_SECRET_LENGTH} characters: use a long random value`,
    );
  }
  if (config.adminToken !== undefined && config.adminToken.length < RECOMMENDED_SECRET_LENGTH) {
    warnings.push(
      `ADMIN_TOKEN is shorter than ${RECOMMENDED_SECRET_LENGTH} characters: use a long random value`,
    );
  }
  const listed = new Set(config.groups.map((g) => g.okta));
  for (const name of Object.keys(config.mapping.groupNames)) {
    if (!listed.has(name))
      warnings.push(
        `MAPPING_FILE maps the Okta group "${name}", which SYNC_GROUPS does not list: it is not synced`,
      );
  }
  return warnings;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads `env` (defaults < environment < overrides) and returns a frozen config, or throws ConfigError. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Record<string, string | undefined> = {},
): Readonly<Config> {
  const merged = { ...env, ...overrides };
  const problems = requiredProblems(merged);
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "configuration");
      // zod echoes the received value in some messages; never let a secret through that way.
      const message = SECRET_VARIABLES.has(name) ? issue.message.replace(/received .*/i, "") : issue.message;
      problems.push(`${name}: ${message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(`Invalid configuration:\n  ${[...new Set(problems)].join("\n  ")}`);
  }
  const e = parsed.data;
  let mapping = DEFAULT_MAPPING;
  if (e.MAPPING_FILE !== undefined) {
    try {
      mapping = loadMappingFile(e.MAPPING_FILE);
    } catch (error) {
      if (!(error instanceof MappingFileError)) throw error;
      throw new ConfigError(`Invalid configuration:\n  ${error.message}`);
    }
  }
  const apiUrl = e.GENESYS_API_URL ?? `https://api.${e.GENESYS_REGION}`;
  const loginUrl = e.GENESYS_LOGIN_URL ?? `https://login.${e.GENESYS_REGION}`;
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    hook: { secret: e.OKTA_HOOK_SECRET, header: e.OKTA_HOOK_HEADER },
    okta: { orgUrl: e.OKTA_ORG_URL ?? "", apiToken: e.OKTA_API_TOKEN ?? "" },
    genesys: {
      apiUrl,
      loginUrl,
      clientId: e.GENESYS_CLIENT_ID ?? "",
      clientSecret: e.GENESYS_CLIENT_SECRET ?? "",
    },
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    adminToken: e.ADMIN_TOKEN,
    redis: e.REDIS_URL === undefined ? undefined : { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    mapping,
    mappingFile: e.MAPPING_FILE,
    groups: e.SYNC_GROUPS.map((okta) => ({ okta, genesys: mapping.groupNames[okta] ?? okta })),
    limits: {
      genesysMaxConcurrency: e.GENESYS_MAX_CONCURRENCY,
      genesysInitialRate: e.GENESYS_INITIAL_RATE,
      genesysRateLimit: e.GENESYS_RATE_LIMIT,
      oktaMaxConcurrency: e.OKTA_MAX_CONCURRENCY,
      syncConcurrency: e.SYNC_CONCURRENCY,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      httpTimeoutMs: e.HTTP_TIMEOUT_MS,
    },
  };
  return deepFreeze(config);
}

/** Settings without which the bridge cannot do its job, reported together with any malformed ones. */
function requiredProblems(env: Record<string, string | undefined>): string[] {
  const blank = (name: string) => (env[name] ?? "").trim() === "";
  const problems: string[] = [];
  const need = (name: string, why: string) => {
    if (blank(name)) problems.push(`${name}: is required (${why})`);
  };
  need("OKTA_ORG_URL", "the Okta org, e.g. https://example.okta.com");
  need("OKTA_API_TOKEN", "an Okta API token with read access to users");
  need("GENESYS_CLIENT_ID", "the OAuth client-credentials client id");
  need("GENESYS_CLIENT_SECRET", "the OAuth client-credentials client secret");
  if (blank("GENESYS_REGION") && (blank("GENESYS_API_URL") || blank("GENESYS_LOGIN_URL"))) {
    problems.push(
      "GENESYS_REGION: is required (e.g. mypurecloud.ie), unless GENESYS_API_URL and GENESYS_LOGIN_URL are both set",
    );
  }
  return problems;
}

/** Every secret the config holds, for the logger to scrub from anything it writes. */
export function configSecrets(config: Config): string[] {
  return [
    config.hook.secret,
    config.okta.apiToken,
    config.genesys.clientSecret,
    config.adminToken,
    config.redis && redisPassword(config.redis.url),
  ].filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** The password in a Redis URL, decoded as the client sends it. */
export function redisPassword(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === "object") deepFreeze(inner);
  }
  return Object.freeze(value);
}
