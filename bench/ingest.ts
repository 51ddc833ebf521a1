import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { buildBridge, startBridgeProcess } from "./bridge-process.ts";
import { startGenesysSimulator } from "../sim/genesys-simulator.ts";
import { hookEnvelope } from "../sim/okta-hook-delivery.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { person } from "../test/support/people.ts";

export type IngestStoreKind = "sqlite" | "redis";

export interface IngestOptions {
  store?: IngestStoreKind;
  /** Required for `redis`; each run uses its own key prefix. */
  redisUrl?: string;
  /** The run's key prefix (default a random one), so that a caller can remove its keys after. */
  redisPrefix?: string;
  senders?: number;
  eventsPerDelivery?: number;
  /** Timed deliveries, after a warm-up that is not counted. */
  deliveries?: number;
  /** Distinct Okta users the events are about. */
  users?: number;
  /**
   * Offered load: deliveries are scheduled at this many events per second in all, and each one's time
   * is counted from its scheduled start (so a stalled bridge cannot hide its queue). Undefined: each
   * sender posts as soon as its previous delivery is answered, which measures the most the hook takes;
   * then latency is simply senders ÷ rate (Little's law).
   */
  offeredEventsPerSecond?: number;
  /** More environment for the bridge (a profiler's NODE_OPTIONS); its defaults are what is measured. */
  bridgeEnv?: Record<string, string>;
}

export interface IngestResult {
  store: IngestStoreKind;
  /** Undefined when the senders posted as fast as they were answered. */
  offeredEventsPerSecond: number | undefined;
  senders: number;
  eventsPerDelivery: number;
  deliveries: number;
  events: number;
  /** Events acknowledged with 200 per second of wall time, from the first POST to the last answer. */
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Deliveries answered other than 200, or not at all within Okta's 3 s. */
  failed: number;
  /**
   * The bridge's CPU time (user + system, all threads) per 1,000 timed events: unlike the rate, it
   * hardly moves when other work shares the machine. Undefined where /proc is not available.
   */
  cpuMsPerThousandEvents: number | undefined;
}

const HOOK_SECRET = "bench-ingest-hook-secret-0123456789";
const OKTA_TOKEN = "bench-ingest-okta-token-0123456789";
const GENESYS_CLIENT = "bench-ingest-client";
const GENESYS_SECRET = "bench-ingest-client-secret-0123456789";
const WARM_UP_DELIVERIES = 200;

/**
 * The hook's intake measured from outside: the compiled bridge (`dist/main.js`, as `npm start` and the
 * Docker image run it) in a child process with its default settings, its dispatcher syncing against
 * simulated Okta and Genesys meanwhile, and `senders` concurrent senders each posting
 * `eventsPerDelivery`-event deliveries as fast as they are answered. Bodies are built before the clock starts so that the senders cost little CPU.
 */
export async function runIngestBench(options: IngestOptions = {}): Promise<IngestResult> {
  const kind = options.store ?? "sqlite";
  const senders = options.senders ?? 16;
  const perDelivery = options.eventsPerDelivery ?? 100;
  const deliveries = options.deliveries ?? 1_500;
  if (kind === "redis" && options.redisUrl === undefined) throw new Error("the redis store needs REDIS_URL");

  const [okta, genesys] = await Promise.all([
    startOktaSimulator({ apiToken: OKTA_TOKEN }),
    startGenesysSimulator({ clients: { [GENESYS_CLIENT]: GENESYS_SECRET } }),
  ]);
  const dataDir = mkdtempSync(join(tmpdir(), "bench-ingest-"));
  const bodies = buildBodies(okta, options.users ?? 20_000, WARM_UP_DELIVERIES + deliveries, perDelivery);
  await buildBridge();
  const bridge = await startBridgeProcess(
    {
      HOST: "127.0.0.1",
      PORT: "0",
      OKTA_HOOK_SECRET: HOOK_SECRET,
      OKTA_ORG_URL: okta.url,
      OKTA_API_TOKEN: OKTA_TOKEN,
      GENESYS_API_URL: genesys.url,
      GENESYS_LOGIN_URL: genesys.url,
      GENESYS_CLIENT_ID: GENESYS_CLIENT,
      GENESYS_CLIENT_SECRET: GENESYS_SECRET,
      DATA_DIR: dataDir,
      ...options.bridgeEnv,
      ...(kind === "redis"
        ? {
            REDIS_URL: options.redisUrl ?? "",
            REDIS_PREFIX: options.redisPrefix ?? `bench-ingest-${randomUUID()}:`,
          }
        : {}),
    },
    join(dataDir, "bridge.log"),
  );
  const hookUrl = `${bridge.url}/okta/events`;
  try {
    await send(hookUrl, bodies.slice(0, WARM_UP_DELIVERIES), senders);
    const cpuBefore = cpuMs(bridge.pid);
    const interval =
      options.offeredEventsPerSecond === undefined
        ? undefined
        : (perDelivery / options.offeredEventsPerSecond) * 1000;
    const { answers, seconds } = await send(hookUrl, bodies.slice(WARM_UP_DELIVERIES), senders, interval);
    const cpuAfter = cpuMs(bridge.pid);
    const ok = answers.filter((a) => a.status === 200);
    const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
    return {
      store: kind,
      offeredEventsPerSecond: options.offeredEventsPerSecond,
      senders,
      eventsPerDelivery: perDelivery,
      deliveries,
      events: deliveries * perDelivery,
      eventsPerSecond: Math.round((ok.length * perDelivery) / seconds),
      p50Ms: round(percentile(latencies, 0.5)),
      p99Ms: round(percentile(latencies, 0.99)),
      maxMs: round(latencies.at(-1) ?? 0),
      failed: answers.length - ok.length,
      cpuMsPerThousandEvents:
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : Math.round(((cpuAfter - cpuBefore) / (deliveries * perDelivery)) * 1000),
    };
  } finally {
    await bridge.stop();
    await Promise.all([okta.close(), genesys.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Events Okta would send for `users` people: each created once, then profile updates round-robin. */
function buildBodies(
  okta: OktaSimulator,
  users: number,
  count: number,
  perDelivery: number,
): Uint8Array<ArrayBuffer>[] {
  const ids: string[] = [];
  const events: OktaSystemLogEvent[] = [];
  const total = count * perDelivery;
  for (let n = 0; n < users && events.length < total; n++) {
    const created = okta.createUser(person(n));
    ids.push(created.user.id);
    events.push(...created.events);
  }
  for (let i = 0; events.length < total; i++) {
    const id = ids[i % ids.length] ?? "";
    events.push(...okta.updateProfile(id, { title: `Title ${i}` }).events);
  }
  // Encoded once, outside the JavaScript heap: 300 MB of strings made the senders' own garbage
  // collections pause them, and those pauses were timed as the bridge's latency.
  const bodies: Uint8Array<ArrayBuffer>[] = [];
  const encoder = new TextEncoder();
  for (let d = 0; d < count; d++) {
    const envelope = hookEnvelope(events.slice(d * perDelivery, (d + 1) * perDelivery));
    bodies.push(encoder.encode(JSON.stringify(envelope)));
  }
  return bodies;
}

/**
 * `senders` loops, each posting the next body as soon as its previous one was answered, or, with an
 * `intervalMs`, not before the body's slot (start + index × interval), timed from that slot.
 *
 * They run on a thread of their own: the simulators on this thread hold every user and event they
 * made, and their garbage collections paused the senders for up to 130 ms, which the senders then
 * timed as the bridge's latency. The bodies move to the thread without a copy (they are unusable
 * here after). Resolves with each delivery's answer and the seconds from the first POST to the last
 * answer, as the thread's clock saw them.
 */
async function send(
  url: string,
  bodies: Uint8Array<ArrayBuffer>[],
  senders: number,
  intervalMs?: number,
): Promise<{ answers: { status: number; ms: number }[]; seconds: number }> {
  const worker = new Worker(SENDER_THREAD, {
    eval: true,
    workerData: { url, secret: HOOK_SECRET, bodies, senders, intervalMs },
    transferList: bodies.map((body) => body.buffer),
  });
  const [result] = (await once(worker, "message")) as [
    { answers: { status: number; ms: number }[]; seconds: number },
  ];
  await worker.terminate();
  return result;
}

/** send()'s thread, as JavaScript that runs as it is (a worker does not inherit the loader). */
const SENDER_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, secret, bodies, senders, intervalMs } = workerData;
const answers = [];
const start = performance.now();
let next = 0;
async function loop() {
  while (next < bodies.length) {
    const index = next++;
    let t0 = performance.now();
    if (intervalMs !== undefined) {
      const slot = start + index * intervalMs;
      if (slot > t0) await new Promise((resolve) => setTimeout(resolve, slot - t0));
      t0 = slot;
    }
    let status = 0;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { authorization: secret, "content-type": "application/json" },
        body: bodies[index],
        signal: AbortSignal.timeout(3000), // Okta's deadline
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    answers.push({ status, ms: performance.now() - t0 });
  }
}
Promise.all(Array.from({ length: senders }, loop)).then(() =>
  parentPort.postMessage({ answers, seconds: (performance.now() - start) / 1000 }),
);
`;

/** utime + stime of a process, from /proc/<pid>/stat (in clock ticks of 10 ms on Linux). */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kind = (process.argv[2] ?? (process.env["REDIS_URL"] ? "redis" : "sqlite")) as IngestStoreKind;
  const redisUrl = process.env["REDIS_URL"];
  const base = { store: kind, ...(redisUrl === undefined ? {} : { redisUrl }) };
  // The most the hook takes, then the latency at the target of 10,000 events per second.
  for (const offered of [undefined, 10_000]) {
    const result = await runIngestBench({
      ...base,
      ...(offered === undefined ? {} : { offeredEventsPerSecond: offered }),
    });
    console.log(JSON.stringify(result));
    printResult(result);
  }
}

function printResult(result: IngestResult): void {
  const load =
    result.offeredEventsPerSecond === undefined
      ? "as fast as answered"
      : `offered ${result.offeredEventsPerSecond}/s`;
  console.log(
    `ingest (${result.store}, ${load}): ${result.eventsPerSecond} events/s, p50 ${result.p50Ms} ms, ` +
      `p99 ${result.p99Ms} ms, max ${result.maxMs} ms, ${result.failed} failed of ${result.deliveries}, ` +
      `bridge CPU ${result.cpuMsPerThousandEvents ?? "?"} ms per 1,000 events`,
  );
}
