import { formatProgress } from "../src/reconcile/reconcile-progress.ts";
import { runReconcileBench, type ReconcileBenchOptions } from "./reconcile-workload.ts";

/**
 * `npx tsx bench/reconcile-bench.ts [--users 5000] [--differing 0.2] [--limit 300] [--window-ms 6000]`:
 * a full reconcile of a drifted directory against the rate-limited Genesys simulator.
 */
function option(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

const options: ReconcileBenchOptions = {
  onProgress: (p) => process.stderr.write(`${formatProgress(p)}\n`),
  progressEveryMs: 2_000,
};
const users = option("users");
const differing = option("differing");
const limit = option("limit");
const windowMs = option("window-ms");
if (users !== undefined) options.users = users;
if (differing !== undefined) options.differing = differing;
if (limit !== undefined) options.genesysLimit = limit;
if (windowMs !== undefined) options.genesysWindowMs = windowMs;

const f = await runReconcileBench(options);
const pct = (x: number) => `${((x - 1) * 100).toFixed(1)}% over`;
console.log(`
Reconcile benchmark: ${f.users} Okta users, ${f.differing.total} differing (${f.differing.create} creates, ${f.differing.update} updates, ${f.differing.deactivate} deactivations), ${f.unknown} unknown in Genesys
  Genesys quota            ${f.quota.limit} per ${f.quota.windowMs / 1000} s (${f.quota.perSecond.toFixed(1)}/s)
  Genesys requests         ${f.genesysRequests} vs minimum ${f.minimumRequests} (${pct(f.requestsOverMinimum)}; listing pages + 1 write per differing user + 1 per live event)
  makespan                 ${f.makespanSeconds.toFixed(1)} s vs ideal ${f.idealSeconds.toFixed(1)} s (x${f.makespanOverIdeal.toFixed(2)})
  429s                     ${f.throttled}
  live event, bridge idle  median ${f.idleLatency.medianMs.toFixed(0)} ms, max ${f.idleLatency.maxMs.toFixed(0)} ms
  live event, during run   median ${f.liveLatency.medianMs.toFixed(0)} ms, max ${f.liveLatency.maxMs.toFixed(0)} ms (${f.liveLatency.events} events; max = ${f.liveLatency.maxSlots.toFixed(1)} quota slots)
  Okta requests            ${f.oktaRequests}
  Genesys matches Okta     ${f.inStep ? "yes" : "NO"}`);
