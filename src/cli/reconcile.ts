import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createBridge } from "../bridge.ts";
import { ConfigError, configSecrets, loadConfig } from "../config.ts";
import { loadDotEnv } from "../dot-env.ts";
import { createLogger } from "../log.ts";
import { formatProgress } from "../reconcile/reconcile-progress.ts";
import { formatReport } from "../reconcile/reconcile-report.ts";
import { openSqliteStore } from "../store/sqlite-store.ts";

const USAGE = `Usage: npm run reconcile -- [--dry-run] [--sample N] [--json]

Lists every Okta user and every Genesys user, compares them under the default mapping and writes
only the users that differ (creates, updates, deactivations). Genesys users Okta does not know are
reported, never deleted. An interrupted run (Ctrl-C, a crash) resumes where it stopped when started
again with the same DATA_DIR.

  --dry-run    print the plan and write nothing (neither to Genesys nor to DATA_DIR)
  --sample N   changes shown per kind in the plan (default 10)
  --json       print the report as JSON instead of text

Configuration is the service's own (environment, or .env). The CLI applies the changes itself from
DATA_DIR, so stop the service first, or ask the running service instead: POST /admin/reconcile
(the service then paces the reconcile with the same rate controller as its live work). A dry run
does not touch DATA_DIR and may run next to the service.`;

interface Args {
  dryRun: boolean;
  sample: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args | string {
  const args: Args = { dryRun: false, sample: 10, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    if (name === "--dry-run") args.dryRun = true;
    else if (name === "--json") args.json = true;
    else if (name === "--sample") {
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) return `--sample needs a whole number, got ${value ?? "nothing"}`;
      args.sample = n;
    } else if (name === "--help" || name === "-h") return "";
    else return `unknown option ${arg}`;
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    process.stderr.write(`${args ? `${args}\n\n` : ""}${USAGE}\n`);
    return args ? 2 : 0;
  }
  let config;
  try {
    config = loadConfig({ ...loadDotEnv(".env"), ...process.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee README.md, section Configuration.\n`);
    return 2;
  }
  // stdout carries the report; logs go to stderr, and only warnings unless LOG_LEVEL asks for more.
  const level = config.logLevel === "info" ? "warn" : config.logLevel;
  const log = createLogger({ level, secrets: configSecrets(config), destination: pino.destination(2) });
  // A dry run does not even open DATA_DIR (so it is safe next to a running service), and applies nothing.
  const scratch = args.dryRun ? mkdtempSync(join(tmpdir(), "reconcile-dry-run-")) : undefined;
  const bridge = createBridge({
    config,
    log,
    ...(scratch === undefined ? {} : { store: openSqliteStore({ dataDir: scratch }) }),
  });
  if (!args.dryRun) bridge.dispatcher.start();

  const abort = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(
      "\ninterrupting: the run's progress is saved; run again to resume (Ctrl-C again to quit now)\n",
    );
    abort.abort(new Error("interrupted"));
  });
  process.on("SIGTERM", () => abort.abort(new Error("terminated")));

  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const show = () => {
    const line = formatProgress(bridge.reconciler.progress());
    if (tty) process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 120) - 1)}\u001b[K`);
    else if (Date.now() - lastLine >= 5_000) {
      lastLine = Date.now();
      process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    }
  };
  const ticker = setInterval(show, tty ? 250 : 1_000);
  try {
    const report = await bridge.reconciler.run({
      dryRun: args.dryRun,
      sample: args.sample,
      signal: abort.signal,
    });
    show();
    if (tty) process.stderr.write("\n");
    process.stdout.write(`${args.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
    return 0;
  } catch (error) {
    if (tty) process.stderr.write("\n");
    if (abort.signal.aborted) {
      const p = bridge.reconciler.progress();
      process.stderr.write(
        args.dryRun
          ? "dry run interrupted\n"
          : `reconcile ${p.runId} interrupted in phase ${p.phase}; run again to resume it\n`,
      );
      return 130;
    }
    process.stderr.write(`reconcile failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    clearInterval(ticker);
    await bridge.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
