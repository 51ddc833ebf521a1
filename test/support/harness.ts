import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createBridge, type Bridge, type BridgeOptions } from "../../src/bridge.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import {
  startGenesysSimulator,
  type GenesysSimulator,
  type GenesysSimulatorOptions,
} from "../../sim/genesys-simulator.ts";
import { deliverToHook, type HookDelivery } from "../../sim/okta-hook-delivery.ts";
import type { OktaSystemLogEvent } from "../../sim/okta-events.ts";
import {
  startOktaSimulator,
  type OktaSimulator,
  type OktaSimulatorOptions,
} from "../../sim/okta-simulator.ts";

export const HOOK_SECRET = "test-hook-secret-0123456789abcdef";
export const OKTA_TOKEN = "test-okta-api-token-00aa11bb22";
export const GENESYS_CLIENT = "test-client";
export const GENESYS_SECRET = "test-client-secret-99zz88yy";

/** The environment a bridge needs to run against the simulators at these URLs. */
export function bridgeEnv(oktaUrl: string, genesysUrl: string, dataDir: string): Record<string, string> {
  return {
    OKTA_HOOK_SECRET: HOOK_SECRET,
    OKTA_ORG_URL: oktaUrl,
    OKTA_API_TOKEN: OKTA_TOKEN,
    GENESYS_API_URL: genesysUrl,
    GENESYS_LOGIN_URL: genesysUrl,
    GENESYS_CLIENT_ID: GENESYS_CLIENT,
    GENESYS_CLIENT_SECRET: GENESYS_SECRET,
    DATA_DIR: dataDir,
  };
}

export interface Harness {
  okta: OktaSimulator;
  genesys: GenesysSimulator;
  bridge: Bridge;
  url: string;
  dataDir: string;
  /** Every log line the bridge wrote. */
  logs: string[];
  deliver(events: OktaSystemLogEvent[], batchSize?: number): Promise<HookDelivery[]>;
  /** Resolves when the bridge has no user or group work pending or in flight. */
  settle(): Promise<void>;
  /** A new bridge process on the same DATA_DIR and simulators (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  genesys?: GenesysSimulatorOptions;
  okta?: OktaSimulatorOptions;
  env?: Record<string, string>;
  bridge?: Partial<Omit<BridgeOptions, "config">>;
}

/**
 * A real bridge on an ephemeral port, against real local Okta and Genesys simulators, with its
 * SQLite file in a fresh temp dir. Logs are captured so tests can assert on them.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const okta = await startOktaSimulator({ apiToken: OKTA_TOKEN, ...options.okta });
  const genesys = await startGenesysSimulator({
    clients: { [GENESYS_CLIENT]: GENESYS_SECRET },
    ...options.genesys,
  });
  const dataDir = mkdtempSync(join(tmpdir(), "bridge-test-"));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const config = loadConfig({
    ...bridgeEnv(okta.url, genesys.url, dataDir),
    LOG_LEVEL: "debug",
    HOST: "127.0.0.1",
    PORT: "0",
    HTTP_TIMEOUT_MS: "5000",
    SHUTDOWN_GRACE_MS: "2000",
    ...options.env,
  });
  const makeBridge = () =>
    createBridge({
      config,
      log: createLogger({
        level: "debug",
        destination: sink,
        secrets: [HOOK_SECRET, OKTA_TOKEN, GENESYS_SECRET],
      }),
      dispatcherPollMs: 50,
      ...options.bridge,
    });
  let bridge = makeBridge();
  let url = (await bridge.listen(0, "127.0.0.1")).url;
  const harness: Harness = {
    okta,
    genesys,
    get bridge() {
      return bridge;
    },
    get url() {
      return url;
    },
    dataDir,
    logs,
    deliver: (events, batchSize) =>
      deliverToHook(`${url}/okta/events`, HOOK_SECRET, events, batchSize === undefined ? {} : { batchSize }),
    async settle() {
      // A group sync may queue user syncs and a user sync may be what a group waits for: both idle at once.
      for (;;) {
        await bridge.dispatcher.idle();
        await bridge.groupDispatcher.idle();
        const [stats, groups] = await Promise.all([bridge.store.stats(), bridge.store.pendingGroups()]);
        if (stats.pending === 0 && groups === 0) return;
      }
    },
    async restart() {
      await bridge.stop();
      bridge = makeBridge();
      url = (await bridge.listen(0, "127.0.0.1")).url;
    },
    async close() {
      await bridge.stop();
      await Promise.all([okta.close(), genesys.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
