import assert from "./support/assert.ts";
import { test } from "node:test";
import { ConfigError, configSecrets, configWarnings, loadConfig } from "../src/config.ts";

const valid = {
  OKTA_HOOK_SECRET: "hook-secret-0123456789",
  OKTA_ORG_URL: "https://example.okta.com/",
  OKTA_API_TOKEN: "00okta-token-value",
  GENESYS_REGION: "mypurecloud.ie",
  GENESYS_CLIENT_ID: "client-id",
  GENESYS_CLIENT_SECRET: "client-secret-value",
};

test("a region gives the API and login hosts, defaults fill the rest, and the result is frozen", () => {
  const config = loadConfig(valid);
  assert.equal(config.genesys.apiUrl, "https://api.mypurecloud.ie");
  assert.equal(config.genesys.loginUrl, "https://login.mypurecloud.ie");
  assert.equal(config.okta.orgUrl, "https://example.okta.com");
  assert.equal(config.port, 8080);
  assert.equal(config.hook.header, "authorization");
  assert.equal(config.dataDir, "./data");
  assert.equal(Object.isFrozen(config.genesys), true);
});

test("explicit Genesys URLs override the region and may be plain http for simulators", () => {
  const config = loadConfig({
    ...valid,
    GENESYS_API_URL: "http://127.0.0.1:9000",
    GENESYS_LOGIN_URL: "http://127.0.0.1:9001",
  });
  assert.equal(config.genesys.apiUrl, "http://127.0.0.1:9000");
  assert.equal(config.genesys.loginUrl, "http://127.0.0.1:9001");
});

test("a missing secret names the variable and what is expected", () => {
  const { OKTA_HOOK_SECRET: _, ...rest } = valid;
  assert.throws(
    () => loadConfig(rest),
    (e: unknown) => e instanceof ConfigError && /OKTA_HOOK_SECRET: is required/.test(e.message),
  );
});

test("a malformed setting is named, and a secret's value never appears in the message", () => {
  assert.throws(
    () => loadConfig({ ...valid, PORT: "eighty", OKTA_HOOK_SECRET: "" }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /PORT:/.test(e.message) &&
      /OKTA_HOOK_SECRET: must not be empty/.test(e.message) &&
      !e.message.includes(valid.OKTA_API_TOKEN) &&
      !e.message.includes(valid.GENESYS_CLIENT_SECRET),
  );
  assert.throws(
    () => loadConfig({ ...valid, GENESYS_REGION: undefined }),
    (e: unknown) => e instanceof ConfigError && /GENESYS_REGION: is required/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ ...valid, OKTA_ORG_URL: "ftp://example" }),
    (e: unknown) => e instanceof ConfigError && /OKTA_ORG_URL: must be an http\(s\) URL/.test(e.message),
  );
});

test("a short hook secret or admin token is accepted with a warning that does not show it", () => {
  const config = loadConfig({ ...valid, OKTA_HOOK_SECRET: "s3cret", ADMIN_TOKEN: "adm1n" });
  const warnings = configWarnings(config);
  assert.equal(warnings.length, 2);
  assert.match(warnings.join("\n"), /OKTA_HOOK_SECRET is shorter than 16/);
  assert.ok(warnings.every((w) => !w.includes("s3cret") && !w.includes("adm1n")));
  assert.deepEqual(configWarnings(loadConfig(valid)), []);
  assert.equal(loadConfig({ ...valid, ADMIN_TOKEN: "" }).adminToken, undefined, "empty means off");
});

test("TRUST_PROXY accepts true, a hop count or an express list", () => {
  assert.equal(loadConfig({ ...valid, TRUST_PROXY: "true" }).trustProxy, true);
  assert.equal(loadConfig({ ...valid, TRUST_PROXY: "1" }).trustProxy, 1);
  assert.equal(loadConfig({ ...valid, TRUST_PROXY: "loopback" }).trustProxy, "loopback");
  assert.equal(loadConfig(valid).trustProxy, false);
});

test("without REDIS_URL the bridge keeps its embedded store; with it, Redis and the default prefix", () => {
  assert.equal(loadConfig(valid).redis, undefined);
  assert.equal(loadConfig({ ...valid, REDIS_URL: " " }).redis, undefined);
  const config = loadConfig({ ...valid, REDIS_URL: "rediss://:s3cret-redis-pass@redis.example:6380/2" });
  assert.deepEqual(config.redis, { url: "rediss://:s3cret-redis-pass@redis.example:6380/2", prefix: "ogb:" });
  assert.equal(
    loadConfig({ ...valid, REDIS_URL: "redis://r:6379", REDIS_PREFIX: "team-a:" }).redis?.prefix,
    "team-a:",
  );
});

test("a REDIS_URL that is not redis:// or rediss:// is refused without echoing it, and its password is a secret", () => {
  assert.throws(
    () => loadConfig({ ...valid, REDIS_URL: "http://user:leaky-password@redis:6379" }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /REDIS_URL: must be a redis:\/\//.test(e.message) &&
      !e.message.includes("leaky"),
  );
  const config = loadConfig({ ...valid, REDIS_URL: "redis://default:p%40ss-word-1@redis:6379" });
  assert.ok(configSecrets(config).includes("p@ss-word-1"));
});

test("a sync's lease lasts 10 s unless LEASE_MS says otherwise, and never under a second", () => {
  assert.equal(loadConfig(valid).limits.leaseMs, 10_000);
  assert.equal(loadConfig({ ...valid, LEASE_MS: "30000" }).limits.leaseMs, 30_000);
  assert.throws(() => loadConfig({ ...valid, LEASE_MS: "500" }), /LEASE_MS: must be at least 1000/);
});
