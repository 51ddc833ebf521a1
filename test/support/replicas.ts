import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createBridge, type Bridge, type BridgeOptions } from "../../src/bridge.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { bridgeEnv, GENESYS_SECRET, HOOK_SECRET, OKTA_TOKEN } from "./harness.ts";

export interface Replica {
  bridge: Bridge;
  url: string;
  /** Every log line, parsed. */
  logs: Record<string, unknown>[];
}

export interface ReplicaSet {
  replicas: Replica[];
  close(): Promise<void>;
}

/**
 * Several real bridges in this process, on ephemeral ports, sharing one Redis under `prefix`: what
 * several replicas are, without the cost of a process each. Each has its own DATA_DIR.
 */
export async function startReplicas(options: {
  count: number;
  oktaUrl: string;
  genesysUrl: string;
  redisUrl: string;
  prefix: string;
  env?: Record<string, string>;
  bridge?: Partial<Omit<BridgeOptions, "config">>;
}): Promise<ReplicaSet> {
  const dirs: string[] = [];
  const replicas: Replica[] = [];
  for (let i = 0; i < options.count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), "replica-"));
    dirs.push(dataDir);
    const logs: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    const config = loadConfig({
      ...bridgeEnv(options.oktaUrl, options.genesysUrl, dataDir),
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.prefix,
      HTTP_TIMEOUT_MS: "5000",
      SHUTDOWN_GRACE_MS: "2000",
      ADMIN_TOKEN: "admin-token-0123456789abcdef",
      ...options.env,
    });
    const bridge = createBridge({
      config,
      log: createLogger({
        level: "debug",
        destination: sink,
        secrets: [HOOK_SECRET, OKTA_TOKEN, GENESYS_SECRET],
      }),
      dispatcherPollMs: 50,
      ...options.bridge,
    });
    const { url } = await bridge.listen(0, "127.0.0.1");
    replicas.push({ bridge, url, logs });
  }
  return {
    replicas,
    async close() {
      await Promise.all(replicas.map((r) => r.bridge.stop()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const ADMIN_TOKEN = "admin-token-0123456789abcdef";
