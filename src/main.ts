import { createBridge } from "./bridge.ts";
import { ConfigError, configSecrets, configWarnings, loadConfig } from "./config.ts";
import { loadDotEnv } from "./dot-env.ts";
import { createLogger } from "./log.ts";

/** `npm start`: the service, configured by the environment (and a .env file when present). */
async function main() {
  let config;
  try {
    config = loadConfig({ ...loadDotEnv(".env"), ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee README.md, section Configuration.\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  for (const warning of configWarnings(config)) log.warn(warning);
  const bridge = createBridge({ config, log });
  const { url } = await bridge.listen();
  log.info({ url, dataDir: config.dataDir }, "okta-genesys-bridge listening");

  let exiting = false;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    log.info({ signal }, "signal received");
    bridge.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("unhandledRejection", (error) => log.error({ err: error }, "unhandled rejection"));
}

void main();
