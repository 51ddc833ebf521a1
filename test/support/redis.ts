import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";

/** The machine's Redis (it keeps nothing on disk): tests share it, each under its own key prefix. */
export const SHARED_REDIS_URL = "redis://127.0.0.1:6379";

/** A key prefix no other test uses, so tests on the shared Redis never see each other's keys. */
export function uniquePrefix(label = "t"): string {
  return `test:${label}:${randomBytes(6).toString("hex")}:`;
}

/** A plain client for tests to look at or arrange keys directly. */
export function testRedis(url = SHARED_REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
}

/** Deletes every key under `prefix` (the shared Redis must not fill up with test keys). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILL (a crash: only what reached the AOF survives) or SIGTERM; resolves once it exited. */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
  /** Starts it again on the same port and directory (replaying the AOF). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/**
 * A redis-server of the test's own, on a free port with AOF fsynced on every write in a temp dir:
 * for tests that stop, crash or restart Redis without touching the shared one.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "redis-test-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes"].concat([
        "--appendfsync",
        "always",
        "--save",
        "",
        "--daemonize",
        "no",
      ]),
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        output.push(line);
        if (line.includes("Ready to accept connections")) resolve();
      });
      proc.once("exit", (code) =>
        reject(new Error(`redis-server exited with ${code}:\n${output.join("\n")}`)),
      );
    });
  };
  const stop = async (signal: "SIGKILL" | "SIGTERM" = "SIGKILL") => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, "exit");
    proc.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
