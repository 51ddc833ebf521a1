import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GENESYS_LATENCY } from "./bench-env.ts";
import { HOOK_BATCH } from "./bridge-run.ts";
import type { MemoryResult } from "./memory.ts";
import type { RunResult } from "./run-result.ts";
import { quotaPerSecond, TIME_SCALE, type Scenario } from "./scenarios.ts";
import { checkTargets, diagnosticsTable, renderTable, resultsTable, targetsTable } from "./table.ts";
import type { Workload } from "./workload.ts";

export interface ReportInput {
  wallMs: number;
  args: string[];
  workload: Workload;
  scenarios: readonly Scenario[];
  results: readonly RunResult[];
  boundFactor: number;
  memory: MemoryResult | undefined;
  reconcile: string | undefined;
}

/** bench/results/latest.md: what was measured, how, on what, and the tables, ready for the README. */
export function renderReport(input: ReportInput): string {
  const { results, scenarios } = input;
  const command = `npm run bench${input.args.length ? ` -- ${input.args.join(" ")}` : ""}`;
  return [
    `# Benchmark: okta-genesys-bridge against the usual throttling approaches`,
    "",
    `${new Date().toISOString()} · ${machine()} · ${controllerVersion()} · ` +
      `wall time ${(input.wallMs / 60_000).toFixed(1)} min · \`${command}\``,
    "",
    describeMethod(input.workload, scenarios[0], input.boundFactor),
    "",
    results.length > 0 ? resultsTable(results, scenarios, input.boundFactor) : "(no scenario run)",
    "",
    results.some((r) => r.contender === "bridge")
      ? `## Bridge targets\n\n${targetsTable(checkTargets(results, scenarios))}\n`
      : "",
    results.some((r) => r.diagnostics)
      ? `## Bridge rate controller, from its trace (sampled every 25 ms)\n\n${diagnosticsTable(results)}\n`
      : "",
    input.memory
      ? `## Memory: ${input.memory.users.toLocaleString("en")} pending users\n\n${memoryTable(input.memory)}\n`
      : "",
    input.reconcile ? `## Reconcile\n\n${input.reconcile}\n` : "",
  ].join("\n");
}

/**
 * The rate controller changes while it is tuned: a short hash of src/throttle/*.ts tells which
 * version a table was measured with, and any T_* tuning variables set are listed.
 */
export function controllerVersion(): string {
  const dir = fileURLToPath(new URL("../src/throttle/", import.meta.url));
  const hash = createHash("sha256");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort()) {
    hash.update(file).update(readFileSync(join(dir, file)));
  }
  const tuning = Object.entries(process.env)
    .filter(([name]) => name.startsWith("T_"))
    .map(([name, value]) => `${name}=${value}`);
  return `controller src/throttle@${hash.digest("hex").slice(0, 10)}${tuning.length ? ` (${tuning.join(" ")})` : ""}`;
}

export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  return `${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, ${process.platform}`;
}

function describeMethod(workload: Workload, scenario: Scenario | undefined, boundFactor: number): string {
  const { users, updatedUsers, updates } = workload.spec;
  const k = scenario?.timeScale ?? TIME_SCALE;
  const quota = scenario ? quotaPerSecond(scenario).toFixed(0) : "?";
  return [
    `**Workload.** ${users.toLocaleString("en")} users created (create + activate events, as Okta emits them), then — once the bridge has written them — ` +
      `${updates.toLocaleString("en")} profile updates over ${updatedUsers} of them, applied to Okta at once and delivered ` +
      `back to back in hook batches of ${HOOK_BATCH} events. **Required writes** = the least any correct client must write: ` +
      `one POST per user plus one PUT of the final state per updated user = ${users + updatedUsers} ` +
      `(coalescing makes the ${updates.toLocaleString("en")} update events cost ${updatedUsers} writes).`,
    "",
    `**Quota.** Genesys' 300 requests per 60 s per OAuth client, with Genesys time running ${k}× faster than real time ` +
      `(windows, Retry-After and inin-ratelimit-reset alike; every client reads a "second" as ${(1000 / k).toFixed(1)} ms): ` +
      `${quota} requests per real second. Simulator latency ${GENESYS_LATENCY.min}–${GENESYS_LATENCY.max} ms uniform, loopback.`,
    "",
    `**Contenders.** The bridge row drives the real bridge (hook → SQLite → dispatcher → rate controller → SCIM). ` +
      `The baselines get the same deduplicated write list the bridge needed (POST per user, PUT of the final state ` +
      `per updated user; creates first, then replaces), so the comparison is about throttling alone.`,
    "",
    `**Figures.** ideal = required writes ÷ the quota left to the contender (shared quota: less the other consumer's ` +
      `50% over the middle third); a schedule that spends a whole fresh window at once can beat it by up to ` +
      `300 ÷ required writes. makespan = first event delivered (bridge; the harness's own ~0.2 s applying the bulk edit to the Okta ` +
      `simulator not counted) or first request (baselines) → converged / ` +
      `finished. 429 % = 429s ÷ every API request the contender made. lost = Okta users Genesys does not match at the end ` +
      `(directory diff). req/write = API requests (lookups and retries included, token requests not) ÷ required writes ` +
      `that succeeded. A run is stopped as soon as it can no longer finish within ${boundFactor}× ideal (even at the full ` +
      `quota from then on) and reported "timed out"; its lost figure is what was still unwritten then.`,
    "",
    `**Settings.** Bridge: GENESYS_INITIAL_RATE 60% of the quota (the production default 3/s is 60% of 5/s), ` +
      `GENESYS_MAX_CONCURRENCY 32, SYNC_CONCURRENCY 64 (the defaults are sized for 5 requests/s), rate controller ` +
      `secondMs = one Genesys second, SQLite file on tmpfs (its per-sync fsyncs do not scale down with time; ` +
      `\`--disk-row\` shows them). Baselines: undici with one client-credentials token; five tries each; waits in ` +
      `Genesys seconds; fixed rate and AWS adaptive may have 20 requests in flight (5 would cap them near ` +
      `125 requests/s with this latency); the AWS limiter runs on Genesys time.`,
  ].join("\n");
}

function memoryTable(m: MemoryResult): string {
  return renderTable(
    ["figure", "value"],
    [
      [
        "users pending (events delivered)",
        `${m.pending.toLocaleString("en")} (${m.events.toLocaleString("en")})`,
      ],
      ["RSS at start", `${m.startRssMb.toFixed(0)} MB`],
      [
        "max RSS while storing (target < 200 MB)",
        `${m.maxRssMb.toFixed(0)} MB ${m.maxRssMb < 200 ? "(met)" : "(**NOT met**)"}`,
      ],
      ["heap used at the end", `${m.heapUsedMb.toFixed(0)} MB`],
      ["time to deliver", `${(m.deliverMs / 1000).toFixed(1)} s`],
      ["slowest delivery (Okta waits 3 s)", `${m.slowestDeliveryMs.toFixed(0)} ms`],
      ["events not accepted", String(m.undelivered)],
    ],
  );
}
