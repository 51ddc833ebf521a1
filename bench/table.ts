import type { RunResult } from "./run-result.ts";
import type { Scenario, Targets } from "./scenarios.ts";

/** Figures derived from a run, as the table shows them. */
export function figures(r: RunResult) {
  const successfulRequired = Math.min(r.writes, r.requiredWrites);
  return {
    /** Infinity for a run that timed out: it would not have finished within the bound. */
    idealRatio: r.timedOut ? Infinity : r.makespanMs / r.idealMs,
    throttledShare: r.requests === 0 ? 0 : r.throttled / r.requests,
    requestsPerWrite: successfulRequired === 0 ? Infinity : r.requests / successfulRequired,
  };
}

/** A markdown table, padded so it also reads in a terminal. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function resultsTable(
  results: readonly RunResult[],
  scenarios: readonly Scenario[],
  boundFactor: number,
): string {
  const conditions = new Map(scenarios.map((s) => [s.name, s.conditions]));
  let previous = "";
  const rows = results.map((r) => {
    const f = figures(r);
    const scenario = r.scenario === previous ? "" : r.scenario;
    previous = r.scenario;
    const notes = [...r.notes];
    if (r.external) {
      const got = r.external.requests - r.external.throttled;
      notes.push(`other consumer got ${got}/${r.external.planned} planned`);
    }
    return [
      scenario,
      r.contender,
      r.timedOut ? `timed out (>${boundFactor}×)` : `${f.idealRatio.toFixed(2)}×`,
      `${r.timedOut ? "stopped at " : ""}${(r.makespanMs / 1000).toFixed(1)} s (${(r.idealMs / 1000).toFixed(1)} s)`,
      `${(f.throttledShare * 100).toFixed(2)}%`,
      String(r.lost),
      Number.isFinite(f.requestsPerWrite) ? f.requestsPerWrite.toFixed(3) : "—",
      r.reach90Ms === undefined ? "never" : `${(r.reach90Ms / 1000).toFixed(1)} s`,
      `${r.requests} (${r.throttled} 429)`,
      notes.join("; "),
    ];
  });
  const table = renderTable(
    [
      "scenario",
      "contender",
      "makespan ÷ ideal",
      "makespan (ideal)",
      "429 %",
      "lost",
      "req/write",
      "90% of quota after",
      "Genesys requests",
      "notes",
    ],
    rows,
  );
  const legend = scenarios
    .filter((s) => results.some((r) => r.scenario === s.name))
    .map((s) => `- **${s.name}**: ${conditions.get(s.name)}`)
    .join("\n");
  return `${table}\n\n${legend}`;
}

export interface TargetCheck {
  scenario: string;
  target: string;
  actual: string;
  met: boolean;
}

/** The bridge's targets for each scenario, and whether its run met them. */
export function checkTargets(results: readonly RunResult[], scenarios: readonly Scenario[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const scenario of scenarios) {
    const bridge = results.find((r) => r.scenario === scenario.name && r.contender === "bridge");
    if (bridge === undefined) continue;
    const t: Targets = scenario.targets;
    const f = figures(bridge);
    const add = (target: string, actual: string, met: boolean) =>
      checks.push({ scenario: scenario.name, target, actual, met });
    if (t.maxIdealRatio !== undefined)
      add(
        `makespan ≤ ${t.maxIdealRatio}× ideal`,
        `${f.idealRatio.toFixed(2)}×`,
        f.idealRatio <= t.maxIdealRatio,
      );
    if (t.maxThrottledShare !== undefined)
      add(
        `429 ≤ ${(t.maxThrottledShare * 100).toFixed(1)}%`,
        `${(f.throttledShare * 100).toFixed(2)}%`,
        f.throttledShare <= t.maxThrottledShare,
      );
    if (t.maxRequestsPerWrite !== undefined)
      add(
        `≤ ${t.maxRequestsPerWrite} req/write`,
        f.requestsPerWrite.toFixed(3),
        f.requestsPerWrite <= t.maxRequestsPerWrite,
      );
    add(`lost ≤ ${t.maxLost}`, String(bridge.lost), bridge.lost <= t.maxLost && !bridge.timedOut);
    const idle = bridge.idleWriteMs;
    if (idle !== undefined && idle.length > 0) {
      const p50 = median(idle);
      add("idle event → write p50 ≤ 150 ms", `${p50.toFixed(0)} ms (${idle.length} events)`, p50 <= 150);
    }
  }
  return checks;
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  let previous = "";
  return renderTable(
    ["scenario", "bridge target", "measured", "met"],
    checks.map((c) => {
      const scenario = c.scenario === previous ? "" : c.scenario;
      previous = c.scenario;
      return [scenario, c.target, c.actual, c.met ? "yes" : "**NO**"];
    }),
  );
}

/** The bridge rows' controller diagnostics, one column per scenario. */
export function diagnosticsTable(results: readonly RunResult[]): string {
  const runs = results.filter((r) => r.diagnostics !== undefined);
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.diagnostics ?? {})))];
  return renderTable(
    ["", ...runs.map((r) => (r.contender === "bridge" ? r.scenario : `${r.scenario} (${r.contender})`))],
    keys.map((key) => [key, ...runs.map((r) => r.diagnostics?.[key] ?? "")]),
  );
}

export function median(values: readonly number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
