import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBridge } from "../src/bridge.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";

/**
 * The bridge alone in its own process for memory.ts: the dispatcher is not started, so every user
 * delivered stays pending. Talks to its parent over IPC: "listening" with the hook URL, then a report
 * of the highest RSS sampled whenever asked. The hook secret comes as the first argument.
 */
async function main() {
  const hookSecret = process.argv[2] ?? "bench-memory-hook-secret-0123456789";
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
        maxRss = Math.max(maxRss, usage.rss);
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
