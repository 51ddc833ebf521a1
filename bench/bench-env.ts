import { startGenesysSimulator, type GenesysSimulator } from "../sim/genesys-simulator.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";
import { startQuotaGate, type QuotaGate } from "./quota-gate.ts";
import { unsharedIdealMs, type Scenario } from "./scenarios.ts";

export const GENESYS_CLIENT = "bench-client";
export const GENESYS_SECRET = "bench-client-secret-0123456789";
export const OKTA_TOKEN = "bench-okta-api-token-0123456789";
/** Real milliseconds, uniform: Genesys answers a SCIM write in tens of ms, so concurrency matters. */
export const GENESYS_LATENCY = { min: 20, max: 60 };
export const OKTA_LATENCY = { min: 2, max: 10 };

/** Fresh simulators for one contender's run: an empty Genesys org behind a fresh quota. */
export interface BenchEnv {
  scenario: Scenario;
  okta: OktaSimulator;
  genesys: GenesysSimulator;
  /** The quota in front of Genesys: its URL is the Genesys API and login URL every contender uses. */
  gate: QuotaGate;
  /** performance.now() when the quota started (its clock: a step-up is timed from here). */
  startedAt: number;
  /**
   * Runs the scenario's other consumer on its schedule, relative to now and to the run's planned
   * (unshared) length; returns a stop function. A no-op when the scenario has none.
   */
  startSharedLoad(writes: number): () => void;
  close(): Promise<void>;
}

/** Okta is not what this benchmark measures: its limit is out of reach. */
export function startBenchOkta(): Promise<OktaSimulator> {
  return startOktaSimulator({
    apiToken: OKTA_TOKEN,
    latencyMs: OKTA_LATENCY,
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
  });
}

/**
 * `sharedOkta`: an Okta org the caller owns and closes (the baselines only read it for the final
 * diff, so one serves them all); otherwise a fresh one, closed with the environment.
 */
export async function startBenchEnv(scenario: Scenario, sharedOkta?: OktaSimulator): Promise<BenchEnv> {
  const [okta, genesys] = await Promise.all([
    sharedOkta ?? startBenchOkta(),
    startGenesysSimulator({
      clients: { [GENESYS_CLIENT]: GENESYS_SECRET },
      // The gate is the quota; the simulator itself never refuses.
      rateLimit: { limit: 1_000_000_000, windowMs: 60_000, headers: false },
      latencyMs: GENESYS_LATENCY,
    }),
  ]);
  const startedAt = performance.now();
  const gate = await startQuotaGate({
    target: genesys.url,
    shape: scenario.shape(Date.now()),
    headers: scenario.headers,
    retryAfter: scenario.retryAfter,
  });
  return {
    scenario,
    okta,
    genesys,
    gate,
    startedAt,
    startSharedLoad(writes) {
      const shared = scenario.sharedLoad;
      if (shared === undefined) return () => {};
      const plannedMs = unsharedIdealMs(scenario, writes);
      const rate = shared.share * scenario.quotaAt(shared.from * plannedMs);
      const on = setTimeout(() => gate.setExternalLoad(rate), shared.from * plannedMs);
      const off = setTimeout(() => gate.setExternalLoad(0), shared.to * plannedMs);
      return () => {
        clearTimeout(on);
        clearTimeout(off);
        gate.setExternalLoad(0);
      };
    },
    close: async () => {
      await gate.close();
      await Promise.all([sharedOkta === undefined ? okta.close() : undefined, genesys.close()]);
    },
  };
}
