import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBridge } from "../src/bridge.ts";
import { loadConfig } from "../src/config.ts";
import { SCIM_MAX_PAGE } from "../src/genesys/genesys-client.ts";
import { createLogger, type Logger } from "../src/log.ts";
import { oktaUserSchema } from "../src/okta/okta-user.ts";
import { diffDirectories } from "../sim/directory-diff.ts";
import { startGenesysSimulator, type GenesysSimulator } from "../sim/genesys-simulator.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";
import type { Latency } from "../sim/sim-http.ts";
import { mapOktaUser } from "../src/sync/scim-mapping.ts";
import type { ReconcileProgress } from "../src/reconcile/reconcile-progress.ts";
import type { ReconcileReport } from "../src/reconcile/reconcile-report.ts";

export interface ReconcileBenchOptions {
  /** Okta users. Default 5,000. */
  users?: number;
  /** Share of them that differ from Genesys: half updates, a quarter creates, a quarter deactivations. Default 0.2. */
  differing?: number;
  /** Genesys users no Okta user knows (reported, never deleted). Default 0.5% of users. */
  unknown?: number;
  /** Genesys quota per OAuth client. Default 300 per 6 s: Genesys' 300/min at ten times speed. */
  genesysLimit?: number;
  genesysWindowMs?: number;
  genesysLatencyMs?: Latency;
  oktaLatencyMs?: Latency;
  /** Live Okta events delivered to the hook while the bulk work is applied, to time them. Default 12. */
  liveEvents?: number;
  /** Time between them. Default a quarter of the Genesys window, so they meet every part of it. */
  liveEveryMs?: number;
  log?: Logger;
  onProgress?: (progress: ReconcileProgress) => void;
  progressEveryMs?: number;
}

export interface LatencyFigures {
  events: number;
  medianMs: number;
  maxMs: number;
  /** maxMs in Genesys quota slots (1 / the quota's requests per second). */
  maxSlots: number;
}

export interface ReconcileBenchFigures {
  users: number;
  differing: { create: number; update: number; deactivate: number; total: number };
  unknown: number;
  quota: { limit: number; windowMs: number; perSecond: number };
  /** Genesys API requests sent (token requests excluded, 429-answered ones included). */
  genesysRequests: number;
  /** Listing pages (active and inactive lists, 25 a page), one write per differing user and per live event. */
  minimumRequests: number;
  requestsOverMinimum: number;
  makespanSeconds: number;
  /** The minimum requests at the quota's pace. */
  idealSeconds: number;
  makespanOverIdeal: number;
  throttled: number;
  /** Hook delivery to Genesys write, for live events sent while the bulk writes were under way... */
  liveLatency: LatencyFigures;
  /** ...and for the same events with the bridge otherwise idle, before the run. */
  idleLatency: LatencyFigures;
  oktaRequests: number;
  /** Genesys matches Okta afterwards (apart from Okta users inactive and never in Genesys). */
  inStep: boolean;
  report: ReconcileReport;
}

/**
 * Reconcile of a drifted directory against the rate-limited Genesys simulator: how many Genesys
 * requests it spends against the minimum, how long it takes against the quota's ideal, and how many
 * 429s it meets. `npm run bench` and bench/reconcile-bench.ts call it.
 */
export async function runReconcileBench(options: ReconcileBenchOptions = {}): Promise<ReconcileBenchFigures> {
  const users = options.users ?? 5_000;
  const limit = options.genesysLimit ?? 300;
  const windowMs = options.genesysWindowMs ?? 6_000;
  const okta = await startOktaSimulator({
    apiToken: "bench-okta-token",
    latencyMs: options.oktaLatencyMs ?? { min: 5, max: 20 },
  });
  const genesys = await startGenesysSimulator({
    clients: { "bench-client": "bench-secret" },
    rateLimit: { limit, windowMs },
    latencyMs: options.genesysLatencyMs ?? { min: 20, max: 60 },
  });
  const dataDir = mkdtempSync(join(tmpdir(), "reconcile-bench-"));
  const hookSecret = "bench-hook-secret-0123456789";
  const bridge = createBridge({
    config: loadConfig({
      OKTA_HOOK_SECRET: hookSecret,
      OKTA_ORG_URL: okta.url,
      OKTA_API_TOKEN: "bench-okta-token",
      GENESYS_API_URL: genesys.url,
      GENESYS_LOGIN_URL: genesys.url,
      GENESYS_CLIENT_ID: "bench-client",
      GENESYS_CLIENT_SECRET: "bench-secret",
      DATA_DIR: dataDir,
    }),
    log: options.log ?? createLogger({ level: "warn" }),
    dispatcherPollMs: 50,
  });
  const ticker =
    options.onProgress &&
    setInterval(() => options.onProgress?.(bridge.reconciler.progress()), options.progressEveryMs ?? 1_000);
  try {
    const { counts: drift, inStep } = driftDirectories(
      okta,
      genesys,
      users,
      options.differing ?? 0.2,
      options.unknown ?? Math.round(users / 200),
    );
    const { url } = await bridge.listen(0, "127.0.0.1");
    const bench: LiveBench = { okta, genesys, hookUrl: `${url}/okta/events`, secret: hookSecret };
    const liveEvents = options.liveEvents ?? 12;
    // The same live change with nothing else going on: what "no delay" looks like here.
    const idle: number[] = [];
    for (let i = 0; i < Math.min(5, liveEvents); i++)
      idle.push(await timeLiveChange(bench, inStep[i] ?? "", `Idle change ${i}`));

    genesys.resetStats();
    okta.resetStats();
    const started = performance.now();
    const running = bridge.reconciler.run({ sample: 3 });
    const duringUsers = inStep
      .slice(liveEvents)
      .filter((_, i) => i % 97 === 0)
      .slice(0, liveEvents);
    const live = timeLiveEvents(bench, duringUsers, options.liveEveryMs ?? windowMs / 4, () =>
      bridge.reconciler.progress(),
    );
    const report = await running;
    const makespanSeconds = (performance.now() - started) / 1000;
    const latencies = await live;

    const g = genesys.stats();
    const active = report.genesys.active;
    const inactive = report.genesys.inactive;
    const pages =
      Math.max(1, Math.ceil(active / SCIM_MAX_PAGE)) + Math.max(1, Math.ceil(inactive / SCIM_MAX_PAGE));
    // Each live change needs its one write too.
    const minimumRequests = pages + drift.total + latencies.length;
    const perSecond = (limit * 1000) / windowMs;

    const idealSeconds = minimumRequests / perSecond;
    const genesysRequests = g.requests - g.tokenRequests;
    const diff = diffDirectories(okta.users(), genesys.users());
    return {
      users,
      differing: drift,
      unknown: report.plan.counts.unknown,
      quota: { limit, windowMs, perSecond },
      genesysRequests,
      minimumRequests,
      requestsOverMinimum: genesysRequests / minimumRequests,
      makespanSeconds,
      idealSeconds,
      makespanOverIdeal: makespanSeconds / idealSeconds,
      throttled: g.throttled,
      liveLatency: summarise(latencies, perSecond),
      idleLatency: summarise(idle, perSecond),
      oktaRequests: okta.stats().requests,
      inStep: diff.differences.length === 0,
      report,
    };
  } finally {
    if (ticker) clearInterval(ticker);
    await bridge.stop();
    await Promise.all([okta.close(), genesys.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Changes a user's title through the event hook and waits until Genesys has it. */
async function timeLiveChange(bench: LiveBench, oktaUserId: string, title: string): Promise<number> {
  const sent = performance.now();
  await deliverToHook(bench.hookUrl, bench.secret, bench.okta.updateProfile(oktaUserId, { title }).events);
  while (bench.genesys.findByExternalId(oktaUserId)?.title !== title) await sleep(2);
  return performance.now() - sent;
}

/**
 * While the bulk writes are under way, changes users already in step (so not in the bulk queue),
 * one every `everyMs`, and times each until Genesys has it.
 */
async function timeLiveEvents(
  bench: LiveBench,
  users: readonly string[],
  everyMs: number,
  progress: () => ReconcileProgress,
): Promise<number[]> {
  const latencies: number[] = [];
  const waiting = (p: ReconcileProgress) => p.state === "idle" || (p.state === "running" && p.writes < 50);
  while (waiting(progress())) await sleep(20);
  for (const [i, id] of users.entries()) {
    if (progress().state !== "running") break;
    const started = performance.now();
    latencies.push(await timeLiveChange(bench, id, `Live change ${i}`));
    await sleep(Math.max(0, everyMs - (performance.now() - started)));
  }
  return latencies;
}

interface LiveBench {
  okta: OktaSimulator;
  genesys: GenesysSimulator;
  hookUrl: string;
  secret: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function summarise(latencies: number[], perSecond: number): LatencyFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const maxMs = sorted.at(-1) ?? 0;
  return {
    events: sorted.length,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    maxMs,
    maxSlots: (maxMs / 1000) * perSecond,
  };
}

/** Okta users, most of them already in Genesys exactly as mapped; `share` of them drifted. */
function driftDirectories(
  okta: OktaSimulator,
  genesys: GenesysSimulator,
  users: number,
  share: number,
  unknown: number,
) {
  const differing = Math.round(users * share);
  const counts = { create: 0, update: 0, deactivate: 0, total: differing };
  const inStep: string[] = [];
  for (let n = 0; n < users; n++) {
    const { user } = okta.createUser({
      login: `agent${n}@example.com`,
      email: `agent${n}@example.com`,
      firstName: "Agent",
      lastName: `Number${n}`,
      title: "Agent",
      department: ["Sales", "Support", "Billing"][n % 3] ?? "Sales",
      employeeNumber: String(100_000 + n),
      primaryPhone: `+1 555 ${String(n % 10_000).padStart(4, "0")}`,
    });
    // Drift is spread over the directory (every fifth user at 20%): a quarter of it new hires, a
    // quarter leavers still active in Genesys, half profile changes.
    const slot = Math.floor((n * differing) / users);
    const differs = Math.floor(((n + 1) * differing) / users) > slot;
    const kind = !differs ? "same" : (["create", "deactivate", "update", "update"] as const)[slot % 4];
    if (kind !== "same" && kind !== undefined) counts[kind] += 1;
    // A few long-gone users, inactive on both sides, so that the inactive list has pages too.
    if (kind === "same" && n % 100 === 7) okta.deactivate(user.id);
    else if (kind === "same") inStep.push(user.id);
    if (kind !== "create") seed(okta, genesys, user.id);
    if (kind === "update") okta.updateProfile(user.id, { title: "Senior agent" });
    if (kind === "deactivate") okta.deactivate(user.id);
  }
  for (let n = 0; n < unknown; n++) {
    genesys.seedUser({
      userName: `contractor${n}@example.com`,
      displayName: `Contractor ${n}`,
      active: true,
    });
  }
  return { counts, inStep };
}

function seed(okta: OktaSimulator, genesys: GenesysSimulator, id: string): void {
  const mapped = mapOktaUser(oktaUserSchema.parse(okta.getUser(id)));
  if (mapped.kind !== "user") return;
  const { schemas: _schemas, ...attributes } = mapped.user;
  genesys.seedUser(attributes);
}
