import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffDirectories } from "../sim/directory-diff.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import { dropPrefix, testRedis } from "../test/support/redis.ts";
import { startBenchEnv } from "./bench-env.ts";
import { startBridgeProcess, type BridgeProcess } from "./bridge-process.ts";
import { bridgeEnvironment, HOOK_BATCH, HOOK_SECRET } from "./bridge-run.ts";
import { measureRun, rampDiagnostics, watchBound, type RunResult } from "./run-result.ts";
import { idealMs, scenarios } from "./scenarios.ts";
import { applyCreates, applyUpdates, requiredWrites, type Workload } from "./workload.ts";

/** The quota every replica row shares: the token bucket with headers, as the single bridge's first row. */
export const REPLICA_SCENARIO = "bucket-headers";
/** A replica that dies holds its users' leases this long (the README's 10 s) before others take them. */
const LEASE_MS = 10_000;

export interface ReplicaRunOptions {
  replicas: number;
  /** SIGKILL the last replica once half the creates are written; the others must finish its work. */
  killOne?: boolean;
  redisUrl: string;
  boundFactor: number;
  resultsDir: string;
}

export interface ReplicaRunResult {
  replicas: number;
  killed: boolean;
  result: RunResult;
  /** The most Genesys API requests (429s included) within any 1 s, ÷ the quota per second. */
  peakQuotaRatio: number;
  /** Writes and lookups admitted in each second of the run: where the time went. */
  admittedPerSecond: string;
}

/**
 * `replicas` bridges as users run them (`node dist/main.js`, default settings, one REDIS_URL and a
 * prefix of this run's own, each its own DATA_DIR and port) behind one Genesys quota, the workload of
 * runBridge delivered round-robin over the replicas alive, as a proxy in front of them would.
 */
export async function runReplicas(workload: Workload, options: ReplicaRunOptions): Promise<ReplicaRunResult> {
  const scenario = scenarios().find((s) => s.name === REPLICA_SCENARIO);
  if (scenario === undefined) throw new Error(`no scenario ${REPLICA_SCENARIO}`);
  const env = await startBenchEnv(scenario);
  const prefix = `bench:replicas:${randomBytes(6).toString("hex")}:`;
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dataDirs = Array.from({ length: options.replicas }, () => mkdtempSync(join(base, "bridge-replica-")));
  const name = `replicas-${options.replicas}${options.killOne ? "-kill" : ""}`;
  const logDir = join(options.resultsDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const bridges: BridgeProcess[] = [];
  try {
    bridges.push(
      ...(await Promise.all(
        dataDirs.map((dir, i) =>
          startBridgeProcess(
            { ...bridgeEnvironment(env, dir), REDIS_URL: options.redisUrl, REDIS_PREFIX: prefix },
            join(logDir, `${name}.${i + 1}.log`),
          ),
        ),
      )),
    );
    const alive = bridges.slice();
    const plannedWrites = workload.spec.users + workload.spec.updatedUsers;
    const created = applyCreates(env.okta, workload);
    const notes: string[] = [];
    let undelivered = 0;
    let turn = 0;
    /** One hook batch per POST, each to the next replica alive (a proxy's round-robin). */
    const deliver = async (events: OktaSystemLogEvent[]) => {
      for (let start = 0; start < events.length; start += HOOK_BATCH) {
        const bridge = alive[turn++ % alive.length] as BridgeProcess;
        const batch = events.slice(start, start + HOOK_BATCH);
        const [d] = await deliverToHook(`${bridge.url}/okta/events`, HOOK_SECRET, batch);
        if (!d?.delivered) undelivered += batch.length;
      }
    };
    const inStep = () => diffDirectories(env.okta.users(), env.genesys.users()).differences.length === 0;
    let killed = false;
    const converged = async (writes: number) => {
      while (!timedOut && (env.gate.stats.writes.length < writes || !inStep())) {
        if (options.killOne && !killed && env.gate.stats.writes.length >= workload.spec.users / 2) {
          killed = true;
          const victim = alive.pop() as BridgeProcess;
          await victim.kill();
          notes.push(`replica ${bridges.length} SIGKILLed at ${env.gate.stats.writes.length} writes`);
        }
        await sleep(50);
      }
    };

    const started = performance.now();
    const bound = watchBound({
      startedAt: started,
      // A killed replica's leases must expire before the others take its users over.
      boundMs: options.boundFactor * idealMs(scenario, plannedWrites) + (options.killOne ? LEASE_MS : 0),
      required: plannedWrites,
      quotaPerSecond: scenario.quotaAt(Number.MAX_SAFE_INTEGER),
      done: () => Math.min(env.gate.stats.writes.length, plannedWrites),
    });
    let timedOut = false;
    void bound.timeout.then(() => (timedOut = true));
    await deliver(created.events);
    await converged(workload.spec.users);
    let harnessMs = 0;
    const applying = performance.now();
    const updateEvents = applyUpdates(env.okta, workload, created.ids);
    harnessMs = performance.now() - applying;
    if (!timedOut) {
      await deliver(updateEvents);
      await converged(plannedWrites);
    }
    const makespanMs = performance.now() - started - harnessMs;
    bound.cancel();
    const required = requiredWrites(env.okta, created).length;
    if (required !== plannedWrites) notes.push(`required ${required} ≠ planned ${plannedWrites}`);
    if (undelivered > 0) notes.push(`${undelivered} events not accepted by the hook`);
    const result = measureRun(env, {
      contender: `${options.replicas} replica${options.replicas > 1 ? "s" : ""}`,
      requiredWrites: required,
      idealMs: idealMs(scenario, required),
      makespanMs,
      timedOut,
      notes,
    });
    return {
      replicas: options.replicas,
      killed,
      result,
      peakQuotaRatio: peakPerSecond(env.gate.stats.requested) / scenario.quotaAt(0),
      admittedPerSecond: rampDiagnostics(env, started)["admitted per second"] ?? "",
    };
  } finally {
    await Promise.all(bridges.map((b) => b.stop()));
    await env.close();
    const redis = testRedis(options.redisUrl);
    await dropPrefix(redis, prefix);
    redis.disconnect();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The most timestamps (ms, ascending) within any window of one second. */
export function peakPerSecond(times: readonly number[]): number {
  let peak = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[i] ?? 0) <= (times[j] ?? 0) - 1000) i += 1;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
