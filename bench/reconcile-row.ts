import { runReconcileBench } from "./reconcile-workload.ts";
import { renderTable } from "./table.ts";

/** The reconcile row: a full reconcile of a drifted directory (bench/reconcile-workload.ts). */
export async function runReconcileRow(options: { quick: boolean }): Promise<string> {
  try {
    const figures = await runReconcileBench(options.quick ? { users: 1_000 } : {});
    return `From \`runReconcileBench\` in bench/reconcile-workload.ts, default options${options.quick ? " but 1,000 users" : ""}:\n\n${renderFigures(figures)}`;
  } catch (error) {
    return `_Failed: ${error instanceof Error ? error.message : String(error)}_`;
  }
}

/** Figures of a shape this file does not know: name/value rows, nested objects flattened one level. */
function renderFigures(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  const cell = (v: unknown) =>
    typeof v === "number"
      ? String(Math.round(v * 1000) / 1000)
      : typeof v === "string"
        ? v
        : JSON.stringify(v);
  const rows: string[][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const inner = Object.entries(v);
      // A whole report is not a figure: leave big nested objects out.
      if (inner.length > 8 || inner.some(([, x]) => x !== null && typeof x === "object")) continue;
      for (const [name, x] of inner) rows.push([`${key}.${name}`, cell(x)]);
    } else if (!Array.isArray(v)) rows.push([key, cell(v)]);
  }
  return renderTable(["figure", "value"], rows);
}
