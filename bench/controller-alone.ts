import { createRateController } from "../src/throttle/rate-controller.ts";
import { createManualClock } from "../test/support/manual-clock.ts";
import { runAgainstQuota, timeToReach } from "../test/support/quota-run.ts";
import { idealMs, peakQuota, quotaChangeAt, scenarios, unsharedIdealMs, type Scenario } from "./scenarios.ts";
import { renderTable } from "./table.ts";

/** Answer latency of the simulated upstream, the middle of the bridge runs' 20–60 ms. */
const LATENCY_MS = 40;

export interface ControllerAloneRow {
  scenario: string;
  idealRatio: number;
  throttledShare: number;
  requestsPerWrite: number;
  reach90Ms: number | undefined;
  cuts: number;
  shape: string;
}

/**
 * The rate controller alone, with its defaults, against each scenario's quota on a manual clock:
 * the same shapes, headers and Retry-After forms as the bridge rows, a backlog of `writes` from the
 * first moment and a 40 ms upstream. Simulated time makes it exact and immune to a busy machine,
 * so it tells the controller's share of a bridge row apart from the rest of the pipeline's.
 */
export async function runControllerAlone(writes: number): Promise<ControllerAloneRow[]> {
  const rows: ControllerAloneRow[] = [];
  for (const scenario of scenarios()) rows.push(await runOne(scenario, writes));
  return rows;
}

async function runOne(scenario: Scenario, writes: number): Promise<ControllerAloneRow> {
  const clock = createManualClock();
  const start = clock.now();
  const controller = createRateController({ upstream: "genesys", clock });
  const shared = scenario.sharedLoad;
  const plannedMs = unsharedIdealMs(scenario, writes);
  const result = await runAgainstQuota({
    clock,
    controller,
    shape: scenario.shape(start),
    requests: writes,
    headers: scenario.headers,
    retryAfter: scenario.retryAfter,
    latencyMs: LATENCY_MS,
    ...(shared === undefined
      ? {}
      : {
          other: {
            rate: shared.share * scenario.quotaAt(shared.from * plannedMs),
            from: shared.from * plannedMs,
            to: shared.to * plannedMs,
          },
        }),
  });
  const state = controller.state();
  controller.close();
  const changeAt = quotaChangeAt(scenario);
  return {
    scenario: scenario.name,
    idealRatio: result.done ? result.makespanMs / idealMs(scenario, writes) : Infinity,
    throttledShare: result.throttled / result.sent,
    requestsPerWrite: result.sent / writes,
    reach90Ms: timeToReach(
      result.accepted.filter((t) => t >= changeAt).map((t) => t - changeAt),
      peakQuota(scenario),
    ),
    cuts: state.cuts,
    shape: state.windowShape,
  };
}

export function controllerAloneTable(rows: readonly ControllerAloneRow[]): string {
  return renderTable(
    ["scenario", "makespan ÷ ideal", "429 %", "req/write", "90% of quota after", "cuts", "shape learned"],
    rows.map((r) => [
      r.scenario,
      Number.isFinite(r.idealRatio) ? `${r.idealRatio.toFixed(2)}×` : "unfinished",
      `${(r.throttledShare * 100).toFixed(2)}%`,
      r.requestsPerWrite.toFixed(3),
      r.reach90Ms === undefined ? "never" : `${(r.reach90Ms / 1000).toFixed(1)} s`,
      String(r.cuts),
      r.shape,
    ]),
  );
}
