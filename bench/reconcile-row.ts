import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { renderTable } from "./table.ts";

/**
 * The reconcile row is another engineer's: runReconcileBench(options), exported by
 * bench/reconcile-bench.ts or, where that file is only a CLI around it, by
 * src/reconcile/reconcile-bench.ts. HOOK: until one of them exports it, the section says so. The
 * export is looked for in the source first, because importing a CLI script would run it.
 */
export async function runReconcileRow(options: { quick: boolean }): Promise<string> {
  const candidates = ["./reconcile-bench.ts", "../src/reconcile/reconcile-bench.ts"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  const exporting =
    /export\s+(async\s+)?function\s+runReconcileBench\b|export\s*\{[^}]*\brunReconcileBench\b/;
  const path = candidates.find((p) => existsSync(p) && exporting.test(readFileSync(p, "utf8")));
  if (path === undefined) return "_Not run: no runReconcileBench export in bench/reconcile-bench.ts yet._";
  const module = (await import(pathToFileURL(path).href)) as {
    runReconcileBench: (options: Record<string, unknown>) => Promise<unknown>;
  };
  try {
    const figures = await module.runReconcileBench(options.quick ? { users: 1_000 } : {});
    return `From \`runReconcileBench\` in ${path.slice(path.indexOf("/bench/") >= 0 ? path.indexOf("/bench/") + 1 : path.indexOf("/src/") + 1)}, default options${options.quick ? " but 1,000 users" : ""}:\n\n${renderFigures(figures)}`;
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
