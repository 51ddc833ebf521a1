import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as BridgeModule from "../src/bridge.ts";
import type * as ConfigModule from "../src/config.ts";
import type * as LogModule from "../src/log.ts";

/**
 * The bridge alone in its own process for memory.ts: the dispatcher is not started, so every user
 * delivered stays pending. Talks to its parent over IPC: "listening" with the hook URL, then a report
 * of the peak RSS whenever asked. The hook secret comes as the first argument, the compiled bridge's
 * directory (dist/) as the second: memory.ts compiles this file alone and runs it with plain node, so
 * the process holds the built service as `npm start` runs it, not the TypeScript loader (~40 MB).
 */
async function main() {
  const hookSecret = process.argv[2] ?? "bench-memory-hook-secret-0123456789";
  const dist = process.argv[3];
  if (dist === undefined) throw new Error("usage: memory-child.mjs <hook secret> <dist directory>");
  const load = async <T,>(file: string) => (await import(pathToFileURL(join(dist, file)).href)) as T;
  const { createBridge } = await load<typeof BridgeModule>("bridge.js");
  const { loadConfig } = await load<typeof ConfigModule>("config.js");
  const { createLogger } = await load<typeof LogModule>("log.js");
  const dataDir = mkdtempSync(join(tmpdir(), "bridge-memory-"));
  const config = loadConfig({
    OKTA_HOOK_SECRET: hookSecret,
    // Never called: with the dispatcher stopped nothing goes upstream.
    OKTA_ORG_URL: "http://127.0.0.1:9",
    OKTA_API_TOKEN: "unused-okta-token",
    GENESYS_API_URL: "http://127.0.0.1:9",
    GENESYS_LOGIN_URL: "http://127.0.0.1:9",
    GENESYS_CLIENT_ID: "unused",
    GENESYS_CLIENT_SECRET: "unused-secret",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: "0",
  });
  const bridge = createBridge({
    config,
    log: createLogger({ level: "silent" }),
    startDispatcher: false,
  });
  const { url } = await bridge.listen(0, "127.0.0.1");
  let maxRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }, 20);
  const send = (message: unknown) => process.send?.(message);
  send({ type: "listening", url, rss: process.memoryUsage().rss });
  process.on("message", (message: { type: string }) => {
    void (async () => {
      if (message.type === "report") {
        const usage = process.memoryUsage();
        maxRss = Math.max(maxRss, usage.rss, peakRss());
        const stats = await bridge.store.stats();
        send({ type: "report", maxRss, rss: usage.rss, heapUsed: usage.heapUsed, pending: stats.pending });
      } else if (message.type === "stop") {
        clearInterval(sampler);
        await bridge.stop();
        rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      }
    })();
  });
}

/** The kernel's high-water mark of the RSS (VmHWM), which no sampling interval can miss; 0 off Linux. */
function peakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
