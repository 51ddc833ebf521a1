import { randomBytes } from "node:crypto";
import { dropPrefix, testRedis } from "../test/support/redis.ts";
import { runIngestBench, type IngestResult, type IngestStoreKind } from "./ingest.ts";
import { REPLICA_SCENARIO, runReplicas, type ReplicaRunResult } from "./replicas-run.ts";
import { figures, renderTable } from "./table.ts";
import type { Workload } from "./workload.ts";

/** The machine's Redis; every run keeps its keys under a prefix of its own and removes them after. */
export const BENCH_REDIS_URL = "redis://127.0.0.1:6379";

/** Issue #10's targets for the replica rows. */
const TARGETS = { maxIdealRatio: 1.1, maxThrottledShare: 0.01, maxLost: 0 };

/** 1, 2 and 3 replicas on Redis, then 3 with one SIGKILLed mid-run; `log` reports each run as it ends. */
export async function runReplicaRows(
  workload: Workload,
  options: { boundFactor: number; resultsDir: string; log: (line: string) => void },
): Promise<string> {
  const runs: ReplicaRunResult[] = [];
  const plans = [{ replicas: 1 }, { replicas: 2 }, { replicas: 3 }, { replicas: 3, killOne: true }];
  for (const plan of plans) {
    const run = await runReplicas(workload, { ...plan, ...options, redisUrl: BENCH_REDIS_URL });
    runs.push(run);
    options.log(`${replicaCells(run).join(" · ")}\n        admitted per second: ${run.admittedPerSecond}`);
  }
  const table = renderTable(
    [
      "replicas",
      "makespan ÷ ideal",
      "makespan (ideal)",
      "429 %",
      "req/write",
      "peak 1 s ÷ quota",
      "lost",
      "targets met",
      "notes",
    ],
    runs.map((run) => replicaCells(run)),
  );
  return (
    `Scenario ${REPLICA_SCENARIO} (token bucket 100/s, burst 100), the same workload, every replica ` +
    "`node dist/main.js` with default settings on one Redis (a prefix per run), hook batches round-robin " +
    "over the replicas alive. Peak = most Genesys API requests (429s included) within any 1 s ÷ 100/s; " +
    "a fresh bucket's burst lets up to 2× through in the first second. The SIGKILL run's makespan " +
    "includes the killed replica's leases expiring (10 s): its target is lost = 0.\n\n" +
    table
  );
}

function replicaCells(run: ReplicaRunResult): string[] {
  const r = run.result;
  const f = figures(r);
  const met =
    r.lost <= TARGETS.maxLost &&
    !r.timedOut &&
    (run.killed || (f.idealRatio <= TARGETS.maxIdealRatio && f.throttledShare <= TARGETS.maxThrottledShare));
  return [
    `${run.replicas}${run.killed ? ", one SIGKILLed" : ""}`,
    r.timedOut ? "timed out" : `${f.idealRatio.toFixed(2)}×`,
    `${(r.makespanMs / 1000).toFixed(1)} s (${(r.idealMs / 1000).toFixed(1)} s)`,
    `${(f.throttledShare * 100).toFixed(2)}%`,
    Number.isFinite(f.requestsPerWrite) ? f.requestsPerWrite.toFixed(3) : "—",
    `${run.peakQuotaRatio.toFixed(2)}×`,
    String(r.lost),
    met ? "yes" : "**NO**",
    r.notes.join("; "),
  ];
}

/** The hook's intake on each store at the offered 10,000 events/s (16 senders × 100 events). */
export async function runIngestRows(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<string> {
  const results: IngestResult[] = [];
  for (const store of ["sqlite", "redis"] as IngestStoreKind[]) {
    const prefix = `bench:ingest:${randomBytes(6).toString("hex")}:`;
    try {
      const result = await runIngestBench({
        store,
        redisUrl: BENCH_REDIS_URL,
        redisPrefix: prefix,
        senders: 16,
        eventsPerDelivery: 100,
        deliveries: options.quick ? 400 : 1_000,
        offeredEventsPerSecond: 10_000,
      });
      results.push(result);
      options.log(ingestCells(result).join(" · "));
    } finally {
      if (store === "redis") {
        const redis = testRedis(BENCH_REDIS_URL);
        await dropPrefix(redis, prefix);
        redis.disconnect();
      }
    }
  }
  return (
    "The real bridge in a child process, default settings, syncing meanwhile; 16 senders post 100-event " +
    "deliveries on a schedule of 10,000 events/s in all, each timed from its scheduled start. " +
    "Target: 10,000 events/s with p99 ≤ 100 ms.\n\n" +
    renderTable(
      ["store", "events/s", "p50", "p99", "max", "failed", "bridge CPU / 1,000 events", "target met"],
      results.map(ingestCells),
    )
  );
}

function ingestCells(r: IngestResult): string[] {
  // A schedule met to within 2% is the offered rate: the last deliveries' answers end the clock.
  const met = r.eventsPerSecond >= 0.98 * 10_000 && r.p99Ms <= 100 && r.failed === 0;
  return [
    r.store,
    r.eventsPerSecond.toLocaleString("en"),
    `${r.p50Ms} ms`,
    `${r.p99Ms} ms`,
    `${r.maxMs} ms`,
    `${r.failed} of ${r.deliveries}`,
    r.cpuMsPerThousandEvents === undefined ? "?" : `${r.cpuMsPerThousandEvents} ms`,
    met ? "yes" : "**NO**",
  ];
}
