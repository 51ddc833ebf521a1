import { fork, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBridge, startNodeOptions } from "./bridge-process.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import { OktaEventFactory, type OktaSystemLogEvent } from "../sim/okta-events.ts";
import { oktaId } from "../sim/okta-user.ts";

export interface MemoryResult {
  users: number;
  events: number;
  /** Users the store holds pending at the end (should equal `users`). */
  pending: number;
  /** RSS after start, before any delivery (MB). */
  startRssMb: number;
  /** Highest RSS sampled (every 20 ms) while the deliveries were stored (MB). */
  maxRssMb: number;
  heapUsedMb: number;
  deliverMs: number;
  /** Slowest single delivery: Okta gives up after 3 s. */
  slowestDeliveryMs: number;
  undelivered: number;
}

const MB = 1024 * 1024;
const HOOK_SECRET = "bench-memory-hook-secret-0123456789";

/**
 * 100,000 pending users in the bridge: the bridge runs alone in a child process with its dispatcher
 * stopped, so the RSS is the bridge's and every user stays queued; the parent delivers one
 * user.lifecycle.create event per user through the real hook, `batch` events per delivery.
 * The child runs the compiled bridge (dist/, built here) under plain node with npm start's node options,
 * as `npm start` does: under the TypeScript loader the same bridge starts ~40 MB heavier, which users
 * never pay.
 */
export async function runMemoryBench(
  options: { users?: number; batch?: number } = {},
): Promise<MemoryResult> {
  const users = options.users ?? 100_000;
  const batch = options.batch ?? 200;
  await buildBridge();
  const childDir = mkdtempSync(join(tmpdir(), "bridge-memory-child-"));
  await compileChild(childDir);
  const child = fork(join(childDir, "memory-child.mjs"), [HOOK_SECRET, join(ROOT, "dist")], {
    // npm start's node options (they size the heap), not the parent's execArgv: that would load the
    // TypeScript loader into the child again.
    execArgv: startNodeOptions(),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const listening = (await nextMessage(child, "listening")) as { url: string; rss: number };
    const events = new OktaEventFactory(() => Date.now());
    const started = performance.now();
    let slowest = 0;
    let undelivered = 0;
    let sent = 0;
    for (let first = 0; first < users; first += batch) {
      const chunk: OktaSystemLogEvent[] = [];
      for (let n = first; n < Math.min(users, first + batch); n++) {
        const login = `agent${n}@memory.example.com`;
        const target = {
          id: oktaId("00u"),
          type: "User" as const,
          alternateId: login,
          displayName: `Agent ${n}`,
          detailEntry: null,
        };
        chunk.push(events.event("user.lifecycle.create", [target], events.transaction()));
      }
      const t0 = performance.now();
      const [delivery] = await deliverToHook(`${listening.url}/okta/events`, HOOK_SECRET, chunk);
      slowest = Math.max(slowest, performance.now() - t0);
      if (!delivery?.delivered) undelivered += chunk.length;
      sent += chunk.length;
    }
    const deliverMs = performance.now() - started;
    child.send({ type: "report" });
    const report = (await nextMessage(child, "report")) as {
      maxRss: number;
      heapUsed: number;
      pending: number;
    };
    return {
      users,
      events: sent,
      pending: report.pending,
      startRssMb: listening.rss / MB,
      maxRssMb: report.maxRss / MB,
      heapUsedMb: report.heapUsed / MB,
      deliverMs,
      slowestDeliveryMs: slowest,
      undelivered,
    };
  } finally {
    child.send({ type: "stop" });
    const exited = once(child, "exit");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
    rmSync(childDir, { recursive: true, force: true });
  }
}

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** memory-child.mts alone to plain JavaScript in `outDir` (it loads the bridge itself from dist/). */
async function compileChild(outDir: string): Promise<void> {
  const tsc = spawn(
    process.execPath,
    [
      join(ROOT, "node_modules/typescript/bin/tsc"),
      ...["--ignoreConfig", join(ROOT, "bench/memory-child.mts"), "--outDir", outDir],
      ...["--module", "nodenext", "--target", "es2022", "--rewriteRelativeImportExtensions"],
      // Type-checked with the rest by `npm run typecheck`; here it only has its types removed.
      ...["--noResolve", "--noCheck", "--skipLibCheck"],
    ],
    { cwd: ROOT, stdio: "inherit" },
  );
  const [code] = (await once(tsc, "exit")) as [number | null];
  if (code !== 0) throw new Error(`compiling bench/memory-child.mts failed (${code})`);
}

function nextMessage(child: ChildProcess, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`memory bench child exited (${code}) before "${type}"`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
