import { setMaxListeners } from "node:events";
import { runAwsAdaptive } from "./baselines/aws-adaptive.ts";
import { runFixedRate } from "./baselines/fixed-rate.ts";
import { runForumScript } from "./baselines/forum-script.ts";
import { runParallelWorkers } from "./baselines/parallel-workers.ts";
import { createScimWriter, type ScimWriter } from "./baselines/scim-writer.ts";
import type { OktaSimulator } from "../sim/okta-simulator.ts";
import { GENESYS_CLIENT, GENESYS_SECRET, startBenchEnv, startBenchOkta } from "./bench-env.ts";
import type { RunOptions } from "./bridge-run.ts";
import { measureRun, watchBound, type RunResult } from "./run-result.ts";
import { idealMs, type Scenario } from "./scenarios.ts";
import { applyCreates, applyUpdates, requiredWrites, type RequiredWrite, type Workload } from "./workload.ts";

export interface Baseline {
  name: string;
  run(writer: ScimWriter): Promise<void>;
}

export const BASELINES: readonly Baseline[] = [
  { name: "forum script", run: (writer) => runForumScript(writer) },
  { name: "5 parallel workers", run: (writer) => runParallelWorkers(writer) },
  { name: "fixed rate (Bottleneck)", run: (writer) => runFixedRate(writer) },
  { name: "AWS adaptive (CUBIC)", run: (writer) => runAwsAdaptive(writer) },
];

/** The workload applied to one Okta org, and the writes it requires: the same for every baseline run. */
export interface BaselineWorkload {
  okta: OktaSimulator;
  writes: RequiredWrite[];
}

export async function prepareBaselineWorkload(workload: Workload): Promise<BaselineWorkload> {
  const okta = await startBenchOkta();
  const created = applyCreates(okta, workload);
  applyUpdates(okta, workload, created.ids);
  return { okta, writes: requiredWrites(okta, created) };
}

/**
 * A baseline against the same simulator configuration and the same required writes as the bridge:
 * the workload is applied to an Okta org once, and the deduplicated write list (a POST per user,
 * a PUT of the final state per updated user) is what the baseline sends, so that the comparison is
 * about throttling alone. Makespan runs from the first request to the baseline's end.
 */
export async function runBaseline(
  baseline: Baseline,
  scenario: Scenario,
  prepared: BaselineWorkload,
  options: RunOptions,
): Promise<RunResult> {
  const env = await startBenchEnv(scenario, prepared.okta);
  const { writes } = prepared;
  const ideal = idealMs(scenario, writes.length);
  const timeUp = new AbortController();
  setMaxListeners(0, timeUp.signal);
  const writer = await createScimWriter({
    url: env.gate.url,
    clientId: GENESYS_CLIENT,
    clientSecret: GENESYS_SECRET,
    writes,
    documentedRate: scenario.quotaAt(0),
    signal: timeUp.signal,
  });
  const started = performance.now();
  const stopSharedLoad = env.startSharedLoad(writes.length);
  const bound = watchBound({
    startedAt: started,
    boundMs: options.boundFactor * ideal,
    required: writes.length,
    quotaPerSecond: scenario.quotaAt(Number.MAX_SAFE_INTEGER),
    done: () => env.gate.stats.writes.length,
  });
  void bound.timeout.then(() => timeUp.abort(new Error("the run's time is up")));
  const finished = new Promise<void>((resolve) => timeUp.signal.addEventListener("abort", () => resolve()));
  const running = baseline.run(writer);
  // Once the time is up the baseline's pending sends and sleeps reject: expected, not a failure.
  running.catch(() => {});
  try {
    await Promise.race([running, finished]);
  } catch (error) {
    if (!timeUp.signal.aborted) throw error;
  }
  const makespanMs = performance.now() - started;
  const timedOut = timeUp.signal.aborted;
  bound.cancel();
  timeUp.abort(new Error("the run is over"));
  stopSharedLoad();
  const result = measureRun(env, {
    contender: baseline.name,
    requiredWrites: writes.length,
    idealMs: ideal,
    makespanMs,
    timedOut,
    startedAt: started,
  });
  await writer.close();
  await env.close();
  return result;
}
