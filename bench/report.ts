import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GENESYS_LATENCY } from "./bench-env.ts";
import { HOOK_BATCH } from "./bridge-run.ts";
import type { MemoryResult } from "./memory.ts";
import type { RunResult } from "./run-result.ts";
import type { Scenario } from "./scenarios.ts";
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
  groups?: string | undefined;
  replicas?: string | undefined;
  ingest?: string | undefined;
  controllerAlone?: string | undefined;
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
    describeMethod(input.workload, input.boundFactor),
    "",
    results.length > 0 ? resultsTable(results, scenarios, input.boundFactor) : "(no scenario run)",
    "",
    results.some((r) => r.contender === "bridge")
      ? `## Bridge targets\n\n${targetsTable(checkTargets(results, scenarios))}\n`
      : "",
    results.some((r) => r.diagnostics)
      ? `## Bridge rate controller, from the quota's side\n\n${diagnosticsTable(results)}\n`
      : "",
    input.controllerAlone
      ? `## The rate controller alone (simulated time: the same quotas, a 40 ms upstream, no CPU contention)\n\n${input.controllerAlone}\n`
      : "",
    input.memory
      ? `## Memory: ${input.memory.users.toLocaleString("en")} pending users\n\n${memoryTable(input.memory)}\n`
      : "",
    input.reconcile ? `## Reconcile\n\n${input.reconcile}\n` : "",
    input.groups ? `## Groups\n\n${input.groups}\n` : "",
    input.replicas ? `## Several replicas on Redis\n\n${input.replicas}\n` : "",
    input.ingest ? `## Hook intake (ingest)\n\n${input.ingest}\n` : "",
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

function describeMethod(workload: Workload, boundFactor: number): string {
  const { users, updatedUsers, updates } = workload.spec;
  return [
    `**Workload.** ${users.toLocaleString("en")} users created (create + activate events, as Okta emits them), then — once Genesys matches Okta — ` +
      `${updates.toLocaleString("en")} profile updates over ${updatedUsers} of them, applied to Okta at once and delivered ` +
      `back to back in hook batches of ${HOOK_BATCH} events. **Required writes** = the least any correct client must write: ` +
      `one POST per user plus one write of the final state per updated user = ${users + updatedUsers}.`,
    "",
    `**Quota.** Real time, nothing scaled: a gate in front of the Genesys simulator enforces each scenario's quota ` +
      `(token bucket, fixed 60 s window, a step, another consumer) and answers 429 with Genesys' headers and body; ` +
      `inin-ratelimit-* describe the per-minute window when headers are on. Simulator latency ` +
      `${GENESYS_LATENCY.min}–${GENESYS_LATENCY.max} ms uniform, loopback.`,
    "",
    `**Contenders.** The bridge row is the real service started as its users start it — \`node dist/main.js\` after ` +
      `\`npm run build\`, a child process configured only by its documented environment (Okta and Genesys URLs and ` +
      `credentials, DATA_DIR on tmpfs, HOST, PORT), every tuning setting at its default: it is told nothing about the ` +
      `quota. The baselines get the same deduplicated write list the bridge needed (creates first, then replaces), so ` +
      `the comparison is about throttling alone; they run where they finish in seconds.`,
    "",
    `**Figures.** ideal = required writes sent at the quota left to the contender from the first moment (a step-up ` +
      `counted from its time; shared: less the other consumer's 50% over the middle third of the planned run); a ` +
      `schedule that spends a fresh bucket's burst or window at once can beat it by that burst. makespan = first ` +
      `event delivered (bridge) or first request (baselines) → Genesys matches Okta / finished. 429 % = 429s ÷ API ` +
      `requests. req/write = API requests (lookups and retries included, token requests not) ÷ required writes that ` +
      `succeeded. 90% of quota after = from the start (step-up: from the step) until the requests admitted within one ` +
      `second first reached 90% of the (raised) quota. lost = Okta users Genesys does not match at the end ` +
      `(directory diff). A run is stopped as soon as it can no longer finish within ${boundFactor}× ideal and ` +
      `reported "timed out". Baselines: undici with one client-credentials token; five tries each; fixed rate ` +
      `at the quota as documented before any change; fixed rate and AWS adaptive may have 20 requests in flight.`,
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
        "max RSS while storing (target < 150 MB)",
        `${m.maxRssMb.toFixed(0)} MB ${m.maxRssMb < 150 ? "(met)" : "(**NOT met**)"}`,
      ],
      ["heap used at the end", `${m.heapUsedMb.toFixed(0)} MB`],
      ["time to deliver", `${(m.deliverMs / 1000).toFixed(1)} s`],
      ["slowest delivery (Okta waits 3 s)", `${m.slowestDeliveryMs.toFixed(0)} ms`],
      ["events not accepted", String(m.undelivered)],
    ],
  );
}
