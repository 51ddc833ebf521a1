import { envSchema } from "./config-schema.ts";
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
    /** How long a sync's lease lasts unless renewed (a third of it between renewals). */
    leaseMs: number;
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
      leaseMs: e.LEASE_MS,
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
