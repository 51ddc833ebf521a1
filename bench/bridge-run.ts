import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createBridge, type Bridge } from "../src/bridge.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { createMetrics } from "../src/metrics.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { GENESYS_CLIENT, GENESYS_SECRET, OKTA_TOKEN, startBenchEnv, type BenchEnv } from "./bench-env.ts";
import { controllerDiagnostics, type PhaseTimes, type TracePoint } from "./controller-trace.ts";
import { measureRun, watchBound, type RunResult } from "./run-result.ts";
import { idealMs, quotaPerSecond, unsharedIdealMs, type Scenario } from "./scenarios.ts";
import { applyCreates, applyUpdates, requiredWrites, type Workload } from "./workload.ts";

const HOOK_SECRET = "bench-hook-secret-0123456789abcdef";
/** Okta batches events that happen close together; 200 per POST is in the range it sends. */
export const HOOK_BATCH = 200;
const TRACE_EVERY_MS = 25;

export interface RunOptions {
  /** A run gives up at this many times its ideal makespan and is reported as timed out. */
  boundFactor: number;
  /** Where this run's traces and logs go (bench/results/runs/<time>). */
  resultsDir: string;
  logLevel: string;
  /**
   * Where the bridge's SQLite file goes. The benchmark's quota is 50× Genesys' real one but the
   * store's per-sync fsyncs (synchronous=FULL) do not scale down with it, so by default the file
   * goes to tmpfs and the run measures throttling; "disk" puts it in the OS temp dir.
   */
  store?: "tmpfs" | "disk";
  /** Appended to trace and log file names (repeated runs). */
  tag?: string;
}

/**
 * The real bridge (createBridge: hook receiver, SQLite store, dispatcher, rate controller, Genesys
 * client) against fresh simulators. The workload arrives as Okta delivers it: the creates' events in
 * batches, then — once they are written — the update burst applied to Okta at once and its events
 * delivered back to back. Makespan runs from the first delivery to dispatcher.idle() after the last.
 */
export async function runBridge(
  scenario: Scenario,
  workload: Workload,
  options: RunOptions,
  contender = "bridge",
): Promise<RunResult> {
  const env = await startBenchEnv(scenario);
  const onDisk = options.store === "disk" || !existsSync("/dev/shm");
  const dataDir = mkdtempSync(join(onDisk ? tmpdir() : "/dev/shm", "bridge-bench-"));
  const quota = quotaPerSecond(scenario);
  const plannedWrites = workload.spec.users + workload.spec.updatedUsers;
  const fileName = [scenario.name, contender.replace(/\W+/g, "-"), options.tag].filter(Boolean).join(".");
  const bridge = makeBridge(env, dataDir, quota, options, fileName);
  const { url } = await bridge.listen(0, "127.0.0.1");
  const created = applyCreates(env.okta, workload);
  const notes: string[] = [];
  let undelivered = 0;
  const deliver = async (events: OktaSystemLogEvent[]) => {
    const deliveries = await deliverToHook(`${url}/okta/events`, HOOK_SECRET, events, {
      batchSize: HOOK_BATCH,
    });
    deliveries.forEach((d, i) => {
      if (!d.delivered) undelivered += Math.min(HOOK_BATCH, events.length - i * HOOK_BATCH);
    });
  };

  const trace: TracePoint[] = [];
  const phases: PhaseTimes = {};
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const sampler = setInterval(() => trace.push(tracePoint(bridge, env, since())), TRACE_EVERY_MS);
  const stopSharedLoad = env.startSharedLoad(unsharedIdealMs(scenario, plannedWrites));
  const bound = watchBound({
    startedAt: started,
    boundMs: options.boundFactor * idealMs(scenario, plannedWrites),
    required: plannedWrites,
    quotaPerSecond: quota,
    done: () => Math.min(env.genesys.stats().writes, plannedWrites),
  });
  let timedOut = false;
  let updatesApplied = false;
  /** Time the harness itself spent applying the bulk edit to the Okta simulator: not the bridge's. */
  let harnessMs = 0;
  const run = async () => {
    await deliver(created.events);
    phases.createsDelivered = since();
    await bridge.dispatcher.idle();
    phases.createsWritten = since();
    if (timedOut) return;
    updatesApplied = true;
    const applying = performance.now();
    const updateEvents = applyUpdates(env.okta, workload, created.ids);
    harnessMs = performance.now() - applying;
    await deliver(updateEvents);
    phases.updatesDelivered = since();
    await bridge.dispatcher.idle();
  };
  const running = run().then(() => "done" as const);
  running.catch(() => {}); // after a timeout the bridge is stopped under it
  const outcome = await Promise.race([running, bound.timeout]);
  const makespanMs = performance.now() - started - harnessMs;
  timedOut = outcome === "timeout";
  bound.cancel();
  clearInterval(sampler);
  trace.push(tracePoint(bridge, env, since()));
  stopSharedLoad();
  // Judge a run cut short against the whole workload, as the baselines are.
  if (!updatesApplied) applyUpdates(env.okta, workload, created.ids);
  const required = requiredWrites(env.okta, created).length;
  if (required !== plannedWrites) notes.push(`required ${required} ≠ planned ${plannedWrites}`);
  if (undelivered > 0) notes.push(`${undelivered} events not accepted by the hook`);
  if (onDisk) notes.push("store on disk");
  const result = measureRun(env, {
    contender,
    requiredWrites: required,
    idealMs: idealMs(scenario, required),
    makespanMs,
    timedOut,
    notes,
  });
  result.diagnostics = controllerDiagnostics(trace, phases, quota, bridge.genesysController.state());
  writeFileSync(
    join(options.resultsDir, `trace-${fileName}.json`),
    JSON.stringify({ scenario, quotaPerSecond: quota, result, phases, trace }),
  );
  await bridge.stop();
  await env.close();
  rmSync(dataDir, { recursive: true, force: true });
  return result;
}

function makeBridge(
  env: BenchEnv,
  dataDir: string,
  quota: number,
  options: RunOptions,
  name: string,
): Bridge {
  const config = loadConfig({
    OKTA_HOOK_SECRET: HOOK_SECRET,
    OKTA_ORG_URL: env.okta.url,
    OKTA_API_TOKEN: OKTA_TOKEN,
    GENESYS_API_URL: env.genesys.url,
    GENESYS_LOGIN_URL: env.genesys.url,
    GENESYS_CLIENT_ID: GENESYS_CLIENT,
    GENESYS_CLIENT_SECRET: GENESYS_SECRET,
    DATA_DIR: dataDir,
    LOG_LEVEL: options.logLevel,
    HOST: "127.0.0.1",
    PORT: "0",
    // The production defaults (3/s to start, 8 in flight, 16 syncs) are sized for 5 requests/s; the
    // benchmark's quota is timeScale times that, so they scale with it: 60% of the quota to start.
    GENESYS_INITIAL_RATE: String(0.6 * quota),
    GENESYS_MAX_CONCURRENCY: "32",
    SYNC_CONCURRENCY: "64",
    OKTA_MAX_CONCURRENCY: "32",
    SHUTDOWN_GRACE_MS: "1000",
  });
  const logDir = join(options.resultsDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const log = createLogger({
    level: options.logLevel,
    destination: pino.destination({ dest: join(logDir, `${name}.log`), sync: false, append: false }),
    secrets: [HOOK_SECRET, OKTA_TOKEN, GENESYS_SECRET],
  });
  return createBridge({
    config,
    log,
    metrics: createMetrics({ defaultMetrics: false }),
    dispatcherPollMs: 50,
  });
}

function tracePoint(bridge: Bridge, env: BenchEnv, t: number): TracePoint {
  const s = bridge.genesysController.state();
  const g = env.genesys.stats();
  return {
    t,
    rate: Math.round(s.rate * 10) / 10,
    concurrency: s.concurrency,
    inFlight: s.inFlight,
    waiting: s.waiting,
    paused: s.pausedUntil > 0,
    ...(s.learnedQuota === undefined ? {} : { learnedQuota: Math.round(s.learnedQuota * 10) / 10 }),
    cuts: s.cuts,
    writes: g.writes,
    throttled: g.byStatus["429"] ?? 0,
  };
}
