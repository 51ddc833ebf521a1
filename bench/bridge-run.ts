import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffDirectories } from "../sim/directory-diff.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import { GENESYS_CLIENT, GENESYS_SECRET, OKTA_TOKEN, startBenchEnv, type BenchEnv } from "./bench-env.ts";
import { metricValue, startBridgeProcess, type BridgeProcess } from "./bridge-process.ts";
import { measureRun, rampDiagnostics, watchBound, type RunResult } from "./run-result.ts";
import { idealMs, type Scenario } from "./scenarios.ts";
import { applyCreates, applyUpdates, requiredWrites, type Workload } from "./workload.ts";

export const HOOK_SECRET = "bench-hook-secret-0123456789abcdef";
/** Okta batches events that happen close together; 200 per POST is in the range it sends. */
export const HOOK_BATCH = 200;
/** Single events delivered to an idle bridge, one at a time, to time event → Genesys write. */
const IDLE_SAMPLES = 9;

export interface RunOptions {
  /** A run gives up at this many times its ideal makespan and is reported as timed out. */
  boundFactor: number;
  /** Where this run's logs and traces go (bench/results/runs/<time>). */
  resultsDir: string;
  /** Also time single events through an idle bridge (p50 event → write). */
  idleLatency?: boolean;
  /** Appended to trace and log file names (repeated runs). */
  tag?: string;
}

/**
 * The real bridge, started as a user starts it (`node dist/main.js`, configured only through its
 * documented environment, every tuning setting at its default) against fresh simulators behind the
 * scenario's quota. The workload arrives as Okta delivers it: the creates' events in batches, then —
 * once Genesys matches Okta — the update burst applied to Okta at once and its events delivered back
 * to back. Makespan runs from the first delivery until Genesys matches Okta after the last.
 */
export async function runBridge(
  scenario: Scenario,
  workload: Workload,
  options: RunOptions,
): Promise<RunResult> {
  const env = await startBenchEnv(scenario);
  const dataDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "bridge-bench-"));
  const plannedWrites = workload.spec.users + workload.spec.updatedUsers;
  const name = [scenario.name, options.tag].filter(Boolean).join(".");
  const logDir = join(options.resultsDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const bridge = await startBridgeProcess(bridgeEnvironment(env, dataDir), join(logDir, `${name}.log`));
  const created = applyCreates(env.okta, workload);
  const notes: string[] = [];
  let undelivered = 0;
  const deliver = async (events: OktaSystemLogEvent[]) => {
    const deliveries = await deliverToHook(`${bridge.url}/okta/events`, HOOK_SECRET, events, {
      batchSize: HOOK_BATCH,
    });
    deliveries.forEach((d, i) => {
      if (!d.delivered) undelivered += Math.min(HOOK_BATCH, events.length - i * HOOK_BATCH);
    });
  };
  const inStep = () => diffDirectories(env.okta.users(), env.genesys.users()).differences.length === 0;
  const converged = async (writes: number) => {
    // The write count first (cheap), then the directory diff (which copies both directories).
    while (!timedOut && (env.gate.stats.writes.length < writes || !inStep())) await sleep(50);
  };

  const started = performance.now();
  const stopSharedLoad = env.startSharedLoad(plannedWrites);
  const bound = watchBound({
    startedAt: started,
    boundMs: options.boundFactor * idealMs(scenario, plannedWrites),
    required: plannedWrites,
    quotaPerSecond: scenario.quotaAt(Number.MAX_SAFE_INTEGER),
    done: () => Math.min(env.gate.stats.writes.length, plannedWrites),
  });
  let timedOut = false;
  void bound.timeout.then(() => (timedOut = true));
  let updatesApplied = false;
  /** Time the harness itself spent applying the bulk edit to the Okta simulator: not the bridge's. */
  let harnessMs = 0;
  await deliver(created.events);
  await converged(workload.spec.users);
  if (!timedOut) {
    updatesApplied = true;
    const applying = performance.now();
    const updateEvents = applyUpdates(env.okta, workload, created.ids);
    harnessMs = performance.now() - applying;
    await deliver(updateEvents);
    await converged(plannedWrites);
  }
  const makespanMs = performance.now() - started - harnessMs;
  bound.cancel();
  stopSharedLoad();
  // Judge a run cut short against the whole workload, as the baselines are.
  if (!updatesApplied) applyUpdates(env.okta, workload, created.ids);
  const required = requiredWrites(env.okta, created).length;
  if (required !== plannedWrites) notes.push(`required ${required} ≠ planned ${plannedWrites}`);
  if (undelivered > 0) notes.push(`${undelivered} events not accepted by the hook`);
  const result = measureRun(env, {
    contender: "bridge",
    requiredWrites: required,
    idealMs: idealMs(scenario, required),
    makespanMs,
    timedOut,
    notes,
  });
  const metrics = await bridge.metrics();
  result.diagnostics = {
    ...rampDiagnostics(env, started),
    "rate cuts": String(metricValue(metrics, "bridge_rate_cuts_total")),
    "pace at the end": `${metricValue(metrics, "bridge_rate_limit_requests_per_second").toFixed(1)}/s`,
  };
  if (options.idleLatency && !timedOut) result.idleWriteMs = await idleLatency(env, bridge, created.ids);
  writeFileSync(
    join(options.resultsDir, `trace-${name}.json`),
    JSON.stringify({
      scenario: scenario.name,
      result,
      admitted: env.gate.stats.admitted.map((t) => t - started),
    }),
  );
  await bridge.stop();
  await env.close();
  rmSync(dataDir, { recursive: true, force: true });
  return result;
}

/** Only documented variables, and none of the tuning ones: the defaults are what is measured. */
export function bridgeEnvironment(env: BenchEnv, dataDir: string): Record<string, string> {
  return {
    OKTA_HOOK_SECRET: HOOK_SECRET,
    OKTA_ORG_URL: env.okta.url,
    OKTA_API_TOKEN: OKTA_TOKEN,
    GENESYS_API_URL: env.gate.url,
    GENESYS_LOGIN_URL: env.gate.url,
    GENESYS_CLIENT_ID: GENESYS_CLIENT,
    GENESYS_CLIENT_SECRET: GENESYS_SECRET,
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
  };
}

/**
 * One profile change at a time to a bridge with nothing else to do: milliseconds from the hook
 * delivery until Genesys took the write, one sample per change.
 */
async function idleLatency(env: BenchEnv, bridge: BridgeProcess, ids: readonly string[]): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < IDLE_SAMPLES && i < ids.length; i++) {
    await sleep(300);
    const id = ids[i] ?? "";
    const { events } = env.okta.updateProfile(id, { title: `Idle check ${i}` });
    const before = env.gate.stats.writes.length;
    const sent = performance.now();
    await deliverToHook(`${bridge.url}/okta/events`, HOOK_SECRET, events);
    while (env.gate.stats.writes.length === before && performance.now() - sent < 5_000) await sleep(2);
    const at = env.gate.stats.writes[before];
    if (at !== undefined) samples.push(at - sent);
  }
  return samples;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
