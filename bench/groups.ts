import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBridge } from "../src/bridge.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { oktaUserSchema } from "../src/okta/okta-user.ts";
import { mapOktaUser } from "../src/sync/scim-mapping.ts";
import { startGenesysSimulator } from "../sim/genesys-simulator.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import { startOktaSimulator } from "../sim/okta-simulator.ts";

/**
 * `npx tsx bench/groups.ts [--events 1500] [--groups 6] [--users 400]`: the group row of the benchmark.
 * Membership events over a few SYNC_GROUPS groups, delivered in batches two at a time (so deliveries
 * overtake each other), against the rate-limited Genesys simulator (Genesys' 300/min at ten times
 * speed). The bridge already knows its users (steady state); each Genesys group holds one member no
 * Okta user maps to, which must stay. Reports the Genesys group requests against the groups changed,
 * the makespan against the ideal at the quota, 429s, and whether every group ends as Okta has it.
 */
export interface GroupBenchFigures {
  events: number;
  groups: number;
  users: number;
  groupsChanged: number;
  genesysGroupRequests: number;
  groupPatches: number;
  requestsPerChangedGroup: number;
  makespanSeconds: number;
  /** Time to deliver the events (two deliveries in flight, each acknowledged once stored). */
  deliveredSeconds: number;
  idealSeconds: number;
  makespanOverIdeal: number;
  throttled: number;
  oktaGroupReads: number;
  inStep: boolean;
}

export async function runGroupBench(options: { events?: number; groups?: number; users?: number } = {}) {
  const eventCount = options.events ?? 1_500;
  const groupCount = options.groups ?? 6;
  const userCount = options.users ?? 400;
  const limit = 300;
  const windowMs = 6_000;
  const okta = await startOktaSimulator({ apiToken: "bench-okta-token", latencyMs: { min: 5, max: 20 } });
  const genesys = await startGenesysSimulator({
    clients: { "bench-client": "bench-secret" },
    rateLimit: { limit, windowMs },
    latencyMs: { min: 20, max: 60 },
  });
  const names = Array.from({ length: groupCount }, (_, i) => `Team ${i + 1}`);
  const dataDir = mkdtempSync(join(tmpdir(), "group-bench-"));
  const secret = "bench-hook-secret-0123456789";
  const bridge = createBridge({
    config: loadConfig({
      OKTA_HOOK_SECRET: secret,
      OKTA_ORG_URL: okta.url,
      OKTA_API_TOKEN: "bench-okta-token",
      GENESYS_API_URL: genesys.url,
      GENESYS_LOGIN_URL: genesys.url,
      GENESYS_CLIENT_ID: "bench-client",
      GENESYS_CLIENT_SECRET: "bench-secret",
      DATA_DIR: dataDir,
      SYNC_GROUPS: names.join(","),
    }),
    log: createLogger({ level: "warn" }),
    dispatcherPollMs: 50,
  });
  try {
    const users: string[] = [];
    for (let n = 0; n < userCount; n++) {
      const { user } = okta.createUser({
        login: `agent${n}@example.com`,
        email: `agent${n}@example.com`,
        firstName: `Agent${n}`,
        lastName: "Bench",
      });
      const mapped = mapOktaUser(oktaUserSchema.parse(user));
      if (mapped.kind !== "user") throw new Error("unmappable bench user");
      const { schemas: _schemas, ...attributes } = mapped.user;
      const seeded = genesys.seedUser(attributes);
      await bridge.store.saveUser({
        oktaUserId: user.id,
        genesysId: seeded.id,
        bodyHash: undefined,
        deleted: false,
      });
      users.push(user.id);
    }
    const outsiders = names.map((name) =>
      genesys.seedUser({
        userName: `outsider.${name.replace(" ", "")}@example.com`,
        displayName: name,
        active: true,
      }),
    );
    names.forEach((name, i) => genesys.seedGroup(name, [outsiders[i]?.id ?? ""]));
    for (const name of names) okta.createGroup(name);

    // Random adds and removes: a member leaves, a non-member joins.
    const events: OktaSystemLogEvent[] = [];
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < eventCount; i++) {
      const name = names[Math.floor(random() * names.length)] ?? "";
      const user = users[Math.floor(random() * users.length)] ?? "";
      const member = okta.groupMembers(name)?.includes(user) ?? false;
      events.push(...(member ? okta.removeFromGroup(user, name) : okta.addToGroup(user, name)).events);
    }
    const { url } = await bridge.listen(0, "127.0.0.1");
    genesys.resetStats();
    okta.resetStats();

    const started = performance.now();
    const batches: OktaSystemLogEvent[][] = [];
    for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100));
    // Two deliveries in flight at a time: later ones can overtake earlier ones, as Okta's may.
    const lanes = [0, 1].map(async (lane) => {
      for (let i = lane; i < batches.length; i += 2)
        await deliverToHook(`${url}/okta/events`, secret, batches[i] ?? []);
    });
    await Promise.all(lanes);
    const deliveredSeconds = (performance.now() - started) / 1000;
    for (;;) {
      await bridge.dispatcher.idle();
      await bridge.groupDispatcher.idle();
      if ((await bridge.store.pendingGroups()) === 0 && (await bridge.store.stats()).pending === 0) break;
    }
    const makespanSeconds = (performance.now() - started) / 1000;

    const stats = genesys.stats();
    const inStep = names.every((name, i) => {
      const want = new Set(
        (okta.groupMembers(name) ?? []).map((id) => genesys.findByExternalId(id)?.id ?? id),
      );
      want.add(outsiders[i]?.id ?? "");
      const got = new Set(genesys.groupMembers(name));
      return want.size === got.size && [...want].every((id) => got.has(id));
    });
    const groupRequests = stats.groupReads + stats.groupWrites;
    // The least a sync can do per changed group is find it and PATCH it; the ideal run does that at
    // the quota's pace as soon as the last delivery is in (the 1 s settle time is the bridge's choice).
    const idealSeconds = deliveredSeconds + (2 * names.length) / (limit / (windowMs / 1000));
    const figures: GroupBenchFigures = {
      events: events.length,
      groups: names.length,
      users: userCount,
      groupsChanged: names.length,
      genesysGroupRequests: groupRequests,
      groupPatches: stats.groupWrites,
      requestsPerChangedGroup: groupRequests / names.length,
      makespanSeconds,
      deliveredSeconds,
      idealSeconds,
      makespanOverIdeal: makespanSeconds / idealSeconds,
      throttled: stats.throttled,
      oktaGroupReads: okta.stats().groupReads,
      inStep,
    };
    return figures;
  } finally {
    await bridge.stop();
    await Promise.all([okta.close(), genesys.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function option(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The group figures as the report's lines (the CLI below prints the same). */
export function describeGroupBench(f: GroupBenchFigures): string {
  return `${f.events} membership events over ${f.groups} groups and ${f.users} users
  Genesys group requests   ${f.genesysGroupRequests} (${f.groupPatches} PATCHes) for ${f.groupsChanged} groups changed (${f.requestsPerChangedGroup.toFixed(2)} per group; the least is 2: find + PATCH)
  makespan                 ${f.makespanSeconds.toFixed(2)} s vs ideal ${f.idealSeconds.toFixed(2)} s (x${f.makespanOverIdeal.toFixed(2)}; ideal = ${f.deliveredSeconds.toFixed(2)} s of deliveries + 2 requests per group at the quota; the bridge lets a burst settle 1 s)
  429s                     ${f.throttled}
  Okta group reads         ${f.oktaGroupReads}
  Genesys matches Okta     ${f.inStep ? "yes" : "NO"}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const opts: { events?: number; groups?: number; users?: number } = {};
  const [events, groups, users] = [option("events"), option("groups"), option("users")];
  if (events !== undefined) opts.events = events;
  if (groups !== undefined) opts.groups = groups;
  if (users !== undefined) opts.users = users;
  console.log(`\nGroup benchmark: ${describeGroupBench(await runGroupBench(opts))}`);
}
