import { startGenesysSimulator, type GenesysSimulator } from "../sim/genesys-simulator.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";
import { scaledClock, type ScaledClock } from "./scaled-clock.ts";
import { quotaPerSecond, type Scenario } from "./scenarios.ts";

export const GENESYS_CLIENT = "bench-client";
export const GENESYS_SECRET = "bench-client-secret-0123456789";
export const OKTA_TOKEN = "bench-okta-api-token-0123456789";
/** Real milliseconds, uniform: Genesys answers a SCIM write in tens of ms, so concurrency matters. */
export const GENESYS_LATENCY = { min: 20, max: 60 };
export const OKTA_LATENCY = { min: 2, max: 10 };

/** Fresh simulators for one contender's run: empty Genesys org, empty quota windows. */
export interface BenchEnv {
  scenario: Scenario;
  okta: OktaSimulator;
  genesys: GenesysSimulator;
  clock: ScaledClock;
  /**
   * Runs the scenario's other consumer on its schedule, relative to now and to the run's planned
   * (unshared) length; returns a stop function. A no-op when the scenario has none.
   */
  startSharedLoad(plannedMs: number): () => void;
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
  const clock = scaledClock(scenario.timeScale);
  const [okta, genesys] = await Promise.all([
    sharedOkta ?? startBenchOkta(),
    startGenesysSimulator({
      clients: { [GENESYS_CLIENT]: GENESYS_SECRET },
      rateLimit: scenario.rateLimit,
      latencyMs: GENESYS_LATENCY,
      clock,
    }),
  ]);
  return {
    scenario,
    okta,
    genesys,
    clock,
    startSharedLoad(plannedMs) {
      const shared = scenario.sharedLoad;
      if (shared === undefined) return () => {};
      const rate = shared.share * quotaPerSecond(scenario);
      const on = setTimeout(() => genesys.setExternalLoad(rate, GENESYS_CLIENT), shared.from * plannedMs);
      const off = setTimeout(() => genesys.setExternalLoad(0, GENESYS_CLIENT), shared.to * plannedMs);
      return () => {
        clearTimeout(on);
        clearTimeout(off);
        genesys.setExternalLoad(0, GENESYS_CLIENT);
      };
    },
    close: async () => {
      await Promise.all([sharedOkta === undefined ? okta.close() : undefined, genesys.close()]);
    },
  };
}
