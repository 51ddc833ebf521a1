import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BASELINES, prepareBaselineWorkload, runBaseline, type BaselineWorkload } from "./baseline-run.ts";
import { waitForQuiet, watchOtherLoad } from "./cpu-load.ts";
import { buildBridge } from "./bridge-process.ts";
import { controllerAloneTable, runControllerAlone } from "./controller-alone.ts";
import { runBridge, type RunOptions } from "./bridge-run.ts";
import { describeGroupBench, runGroupBench } from "./groups.ts";
import { runMemoryBench, type MemoryResult } from "./memory.ts";
import { runReconcileRow } from "./reconcile-row.ts";
import { runIngestRows, runReplicaRows } from "./replicas-row.ts";
import { controllerVersion, machine, renderReport } from "./report.ts";
import type { RunResult } from "./run-result.ts";
import { scenarios } from "./scenarios.ts";
import { figures } from "./table.ts";
import { buildWorkload, FULL_WORKLOAD, QUICK_WORKLOAD } from "./workload.ts";

const USAGE = `npm run bench -- [options]
  --only <names>        comma-separated scenarios, "controller", "memory", "reconcile", "groups", "replicas"
                        (1-3 replicas on Redis at 127.0.0.1:6379) or "ingest" (default: all)
  --contenders <names>  comma-separated: bridge, forum, parallel, fixed, aws (default: all)
  --quick               a smaller workload (400 users, 1,000 updates over 200) and a 10k-user memory run
  --bound <factor>      a run is stopped once it cannot finish within factor × ideal (default 2)
  --repeat <n>          run the bridge n times per scenario and report the median run (default 1)
  --quiet-wait <s>      before each run, wait up to s seconds (6·s in all) for other processes to use < 0.3 cores (default 10; 0 = never)
  --list                list the scenarios and exit`;

const CONTENDER_KEYS: Record<string, string> = {
  forum: "forum script",
  parallel: "5 parallel workers",
  fixed: "fixed rate (Bottleneck)",
  aws: "AWS adaptive (CUBIC)",
};

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      contenders: { type: "string" },
      quick: { type: "boolean", default: false },
      bound: { type: "string", default: "2" },
      list: { type: "boolean", default: false },
      repeat: { type: "string", default: "1" },
      "quiet-wait": { type: "string", default: "10" },
      help: { type: "boolean", default: false },
    },
  });
  const all = scenarios();
  if (values.help) return console.log(USAGE);
  if (values.list) {
    for (const s of all) console.log(`${s.name.padEnd(24)} ${s.conditions}`);
    return;
  }
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter(
    (name) =>
      !["memory", "reconcile", "groups", "controller", "replicas", "ingest"].includes(name) &&
      !all.some((s) => s.name === name),
  );
  if (unknown?.length) throw new Error(`unknown scenario(s) ${unknown.join(", ")}; see --list`);
  const picked = only === undefined ? all : all.filter((s) => only.includes(s.name));
  const contenders = values.contenders?.split(",").map((c) => c.trim()) ?? [
    "bridge",
    ...Object.keys(CONTENDER_KEYS),
  ];
  const baselines = BASELINES.filter((b) => contenders.some((c) => CONTENDER_KEYS[c] === b.name));
  const workload = buildWorkload(values.quick ? QUICK_WORKLOAD : FULL_WORKLOAD);
  const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
  // Traces and logs of this run in a directory of their own: runs started by others do not clobber them.
  const runDir = join(resultsDir, "runs", new Date().toISOString().replace(/[:.]/g, "-"));
  mkdirSync(runDir, { recursive: true });
  const options: RunOptions = { boundFactor: Number(values.bound), resultsDir: runDir };

  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s`;
  console.log(`${machine()} · ${controllerVersion()}`);
  const section = (name: string) => only === undefined || only.includes(name);
  if ((contenders.includes("bridge") && picked.length > 0) || section("replicas")) await buildBridge();
  const results: RunResult[] = [];
  let prepared: BaselineWorkload | undefined;
  // On a shared machine someone else's test run skews a makespan: wait for quiet before each run,
  // up to --quiet-wait seconds per run and six times that in all, and note the load when it was not.
  const quietWaitMs = Number(values["quiet-wait"]) * 1000;
  let quietBudgetMs = 6 * quietWaitMs;
  /** One run, started once the machine is quiet, with the other processes' load noted when it was not. */
  const measured = async (run: () => Promise<RunResult>): Promise<RunResult> => {
    if (quietBudgetMs > 0) {
      const quiet = await waitForQuiet(Math.min(quietWaitMs, quietBudgetMs));
      quietBudgetMs -= quiet.waitedMs - 1000;
      if (quiet.waitedMs > 1500)
        console.log(
          `[${elapsed()}] waited ${(quiet.waitedMs / 1000).toFixed(0)} s for other processes to quieten`,
        );
    }
    const load = watchOtherLoad();
    const result = await run();
    const others = load.stop();
    if (others !== undefined && others >= 0.25)
      result.notes.push(`other processes used ${others.toFixed(1)} cores`);
    return result;
  };
  const record = (result: RunResult) => {
    results.push(result);
    const f = figures(result);
    console.log(
      `[${elapsed()}] ${result.scenario.padEnd(22)} ${result.contender.padEnd(24)} ` +
        `${result.timedOut ? "timed out" : `${f.idealRatio.toFixed(2)}× ideal`}, ` +
        `${(f.throttledShare * 100).toFixed(2)}% 429, lost ${result.lost}, ${f.requestsPerWrite.toFixed(3)} req/write` +
        (result.notes.length ? ` (${result.notes.join("; ")})` : ""),
    );
  };
  const repeat = Math.max(1, Number(values.repeat));
  for (const scenario of picked) {
    if (contenders.includes("bridge")) {
      const runs: RunResult[] = [];
      for (let i = 1; i <= repeat; i++) {
        const tag = repeat > 1 ? `${i}` : "";
        // The first scenario also times single events through the idle bridge once its burst is done.
        const idleLatency = scenario === picked[0] && i === 1;
        runs.push(await measured(() => runBridge(scenario, workload, { ...options, tag, idleLatency })));
      }
      record(medianRun(runs));
    }
    // The baselines where they finish in seconds (on a minute window each would take minutes).
    for (const baseline of scenario.baselines || only !== undefined ? baselines : []) {
      prepared ??= await prepareBaselineWorkload(workload);
      const ready = prepared;
      record(await measured(() => runBaseline(baseline, scenario, ready, options)));
    }
  }
  await prepared?.okta.close();

  let controllerAlone: string | undefined;
  if (only === undefined || only.includes("controller")) {
    console.log(`[${elapsed()}] the rate controller alone, in simulated time…`);
    controllerAlone = controllerAloneTable(
      await runControllerAlone(workload.spec.users + workload.spec.updatedUsers),
    );
  }
  let memory: MemoryResult | undefined;
  if (only === undefined || only.includes("memory")) {
    console.log(
      `[${elapsed()}] memory: ${values.quick ? "10,000" : "100,000"} pending users in a child process…`,
    );
    memory = await runMemoryBench({ users: values.quick ? 10_000 : 100_000 });
    console.log(`[${elapsed()}] memory: max RSS ${memory.maxRssMb.toFixed(0)} MB`);
  }
  let reconcile: string | undefined;
  if (only === undefined || only.includes("reconcile")) {
    console.log(`[${elapsed()}] reconcile…`);
    reconcile = await runReconcileRow({ quick: values.quick });
  }
  let groups: string | undefined;
  if (section("groups")) {
    console.log(`[${elapsed()}] groups…`);
    groups = "```\n" + describeGroupBench(await runGroupBench()) + "\n```";
  }

  const log = (line: string) => console.log(`[${elapsed()}] ${line}`);
  let replicas: string | undefined;
  if (section("replicas")) {
    console.log(`[${elapsed()}] replicas on Redis…`);
    replicas = await runReplicaRows(workload, { ...options, log });
  }
  let ingest: string | undefined;
  if (section("ingest")) {
    console.log(`[${elapsed()}] ingest at 10,000 events/s, SQLite and Redis…`);
    ingest = await runIngestRows({ quick: values.quick, log });
  }

  const report = renderReport({
    wallMs: performance.now() - started,
    args: process.argv.slice(2),
    workload,
    scenarios: picked.length > 0 ? picked : all,
    results,
    boundFactor: options.boundFactor,
    memory,
    reconcile,
    groups,
    replicas,
    ingest,
    controllerAlone,
  });
  writeFileSync(join(resultsDir, "latest.md"), report);
  writeFileSync(join(runDir, "report.md"), report);
  console.log(`\n${report}`);
  console.log(`written to bench/results/latest.md; traces and logs in ${runDir}`);
}

/** The run whose makespan ratio is the median (the lower middle one of an even count), noting the spread. */
function medianRun(runs: RunResult[]): RunResult {
  if (runs.length === 1) return runs[0] as RunResult;
  const sorted = runs.slice().sort((a, b) => figures(a).idealRatio - figures(b).idealRatio);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as RunResult;
  const shown = (r: RunResult) => (r.timedOut ? "timed out" : `${figures(r).idealRatio.toFixed(2)}×`);
  median.notes.unshift(`median of ${runs.length}: ${sorted.map(shown).join(", ")}`);
  return median;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(USAGE);
    process.exit(1);
  },
);
