import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * The node options `npm start` runs the bridge with: package.json's start script, between `node` and
 * `dist/main.js` (the Dockerfile's CMD repeats them; test/start-command.test.ts holds the two
 * together). The benchmarks start the bridge with these, so that they measure the heap users get.
 */
export function startNodeOptions(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  const match = /^node\s+(.*?)\s*dist\/main\.js$/.exec(pkg.scripts.start);
  if (!match) throw new Error(`package.json's start script is not "node [options] dist/main.js"`);
  return match[1] ? match[1].split(/\s+/) : [];
}

/** The bridge as its users run it: `node [options] dist/main.js`, what `npm start` runs after its build. */
export interface BridgeProcess {
  url: string;
  pid: number | undefined;
  /** The bridge's /metrics, as text. */
  metrics(): Promise<string>;
  /** SIGTERM, as an orchestrator stops it; resolves once it exited. */
  stop(): Promise<void>;
  /** SIGKILL, a crash: nothing is handed back; resolves once it exited. */
  kill(): Promise<void>;
}

/** `npm run build`, once per benchmark: the runs start the compiled service, as `npm start` does. */
export async function buildBridge(): Promise<void> {
  const child = spawn("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`npm run build failed (${code})`);
}

/**
 * Starts the compiled bridge with `env` as its whole environment (plus PATH) and the log going to
 * `logFile`; resolves with its URL once it logs that it listens.
 */
export async function startBridgeProcess(
  env: Record<string, string>,
  logFile: string,
): Promise<BridgeProcess> {
  const child: ChildProcess = spawn(process.execPath, [...startNodeOptions(), "dist/main.js"], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logFile);
  child.stderr?.pipe(log, { end: false });
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bridge did not start; see ${logFile}`)), 30_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      log.write(`${line}\n`);
      if (!line.includes('"okta-genesys-bridge listening"')) return;
      const parsed = JSON.parse(line) as { url?: string };
      clearTimeout(timer);
      if (parsed.url) resolve(parsed.url);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the bridge exited before listening; see ${logFile}`));
    });
  });
  return {
    url,
    pid: child.pid,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      log.end();
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      log.end();
    },
  };
}

/** A metric's value for `upstream="genesys"` (or unlabelled) from Prometheus text, 0 when absent. */
export function metricValue(text: string, name: string): number {
  const line = text
    .split("\n")
    .find((l) => l.startsWith(name) && (l.includes('upstream="genesys"') || l.startsWith(`${name} `)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}
