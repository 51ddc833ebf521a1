import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBridge } from "../src/bridge.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { diffDirectories } from "../sim/directory-diff.ts";
import { startGenesysSimulator } from "../sim/genesys-simulator.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { startOktaSimulator } from "../sim/okta-simulator.ts";

/**
 * `npm run demo`: the bridge end to end with no credentials. Built-in Okta and Genesys simulators
 * run on loopback; the Genesys one enforces a per-client quota (300 requests per 15 s window: a
 * Genesys minute at four times speed, so the demo takes tens of seconds, not minutes) and answers
 * 429 as Genesys does. A burst of Okta events goes in; the summary says whether Genesys matches Okta.
 * Three Okta groups are pushed to Genesys groups (SYNC_GROUPS), one of them to a differently named
 * group; a fourth listed group does not exist in Genesys and is reported, not retried.
 */
const USERS = 300;
const UPDATED_USERS = 150;
const UPDATES = 900;
const HOOK_SECRET = "demo-hook-secret-not-for-production";
const DEPARTMENTS = ["Sales", "Support", "Billing"] as const;
/** Okta group → Genesys group: "Billing" goes to a Genesys group with another name (mapping file). */
const GENESYS_GROUP: Record<string, string> = { Sales: "Sales", Support: "Support", Billing: "Billing Team" };

async function main() {
  const started = Date.now();
  const okta = await startOktaSimulator({ latencyMs: { min: 2, max: 10 } });
  const genesys = await startGenesysSimulator({
    rateLimit: { limit: 300, windowMs: 15_000 },
    latencyMs: { min: 20, max: 60 },
  });
  const dataDir = mkdtempSync(join(tmpdir(), "okta-genesys-bridge-demo-"));
  const mappingFile = join(dataDir, "mapping.json");
  writeFileSync(mappingFile, JSON.stringify({ groups: { Billing: "Billing Team" } }));
  // An admin made these in Genesys (SCIM cannot); Support also holds someone no Okta user maps to.
  const teamLead = genesys.seedUser({ userName: "lead@example.com", displayName: "Team Lead", active: true });
  for (const name of Object.values(GENESYS_GROUP))
    genesys.seedGroup(name, name === "Support" ? [teamLead.id] : []);
  const config = loadConfig({
    OKTA_HOOK_SECRET: HOOK_SECRET,
    OKTA_ORG_URL: okta.url,
    OKTA_API_TOKEN: "demo-okta-token",
    GENESYS_API_URL: genesys.url,
    GENESYS_LOGIN_URL: genesys.url,
    GENESYS_CLIENT_ID: "demo-client",
    GENESYS_CLIENT_SECRET: "demo-secret",
    DATA_DIR: dataDir,
    SYNC_GROUPS: `${DEPARTMENTS.join(",")},Escalations`,
    MAPPING_FILE: mappingFile,
    HOST: "127.0.0.1",
    PORT: "0",
  });
  const log = createLogger({
    level: process.env["LOG_LEVEL"] ?? "warn",
    secrets: [HOOK_SECRET, "demo-secret"],
  });
  const bridge = createBridge({ config, log });
  const { url } = await bridge.listen(0, "127.0.0.1");
  console.log(`bridge on ${url}, Okta simulator on ${okta.url}, Genesys simulator on ${genesys.url}`);
  console.log(
    `Genesys quota: 300 requests per 15 s window (20/s); ${USERS} users, ${UPDATES} profile updates\n`,
  );

  let accepted = 0;
  const deliver = async (events: OktaSystemLogEvent[]) => {
    const deliveries = await deliverToHook(`${url}/okta/events`, HOOK_SECRET, events, { batchSize: 100 });
    for (const [i, d] of deliveries.entries()) {
      if (d.delivered) accepted += Math.min(100, events.length - i * 100);
    }
  };

  const progress = setInterval(() => void printProgress(), 1000);
  const printProgress = async () => {
    const stats = await bridge.store.stats();
    const g = genesys.stats();
    const rate = bridge.genesysController.state();
    const secs = ((Date.now() - started) / 1000).toFixed(0).padStart(3);
    console.log(
      `[${secs}s] events accepted ${String(accepted).padStart(5)} | users pending ${String(stats.pending).padStart(4)}` +
        ` | Genesys writes ${String(g.writes).padStart(4)} | 429s ${g.throttled} | rate ${rate.rate.toFixed(1)}/s`,
    );
  };

  // Okta batches events that happen close together: new hires arrive first, then a stream of profile
  // edits (several per user), a few suspensions and some leavers who are deactivated and deleted.
  const ids: string[] = [];
  const creates: OktaSystemLogEvent[] = [];
  for (let n = 1; n <= USERS; n++) {
    const { user, events } = okta.createUser({
      login: `agent${n}@example.com`,
      email: `agent${n}@example.com`,
      firstName: `Agent`,
      lastName: `Number${n}`,
      title: "Agent",
      department: DEPARTMENTS[n % 3] ?? "Sales",
      employeeNumber: String(5000 + n),
      primaryPhone: `+1 555 ${String(1000 + n).slice(-4)}`,
    });
    ids.push(user.id);
    creates.push(...events);
  }
  await deliver(creates);
  for (let i = 0; i < UPDATES; i += 100) {
    const batch: OktaSystemLogEvent[] = [];
    for (let j = i; j < i + 100; j++) {
      const id = ids[j % UPDATED_USERS] as string;
      batch.push(
        ...okta.updateProfile(id, { title: `Agent level ${Math.floor(j / UPDATED_USERS) + 1}` }).events,
      );
    }
    await deliver(batch);
    await new Promise((r) => setTimeout(r, 500));
  }
  const lifecycle: OktaSystemLogEvent[] = [];
  for (const id of ids.slice(200, 220)) lifecycle.push(...okta.suspend(id).events);
  for (const id of ids.slice(280, 290)) {
    lifecycle.push(...okta.deactivate(id).events, ...okta.deleteUser(id).events);
  }
  await deliver(lifecycle);

  // Group membership: the first 200 join their department's group, then 30 move from Sales to
  // Support and a few join Escalations, which Genesys does not have.
  const membership: OktaSystemLogEvent[] = [];
  for (const [i, id] of ids.slice(0, 200).entries())
    membership.push(...okta.addToGroup(id, DEPARTMENTS[(i + 1) % 3] ?? "Sales").events);
  const movers = ids
    .slice(0, 200)
    .filter((_, i) => DEPARTMENTS[(i + 1) % 3] === "Sales")
    .slice(0, 30);
  for (const id of movers)
    membership.push(...okta.removeFromGroup(id, "Sales").events, ...okta.addToGroup(id, "Support").events);
  for (const id of ids.slice(0, 5)) membership.push(...okta.addToGroup(id, "Escalations").events);
  await deliver(membership.reverse()); // newest first: order does not matter, Okta's membership wins

  for (;;) {
    await bridge.dispatcher.idle();
    await bridge.groupDispatcher.idle();
    if ((await bridge.store.stats()).pending === 0 && (await bridge.store.pendingGroups()) === 0) break;
  }
  clearInterval(progress);
  await printProgress();
  const seconds = (Date.now() - started) / 1000;
  const g = genesys.stats();
  const diff = diffDirectories(okta.users(), genesys.users());
  console.log(`
Summary
  events accepted        ${accepted}
  Okta user reads        ${okta.stats().userReads}
  Genesys requests       ${g.requests} (writes ${g.writes}, lookups ${g.lookups}, token ${g.tokenRequests})
  429s seen              ${g.throttled}
  time taken             ${seconds.toFixed(1)} s
  Genesys matches Okta   ${diff.differences.length === 0 ? "yes" : "NO"} (${diff.matching}/${diff.expected} users in step)`);
  for (const line of diff.differences.slice(0, 10)) console.log(`    ${line}`);
  const groupsInStep = DEPARTMENTS.map((name) => {
    const want = new Set((okta.groupMembers(name) ?? []).map((id) => genesys.findByExternalId(id)?.id ?? id));
    if (name === "Support") want.add(teamLead.id);
    const got = genesys.groupMembers(GENESYS_GROUP[name] ?? name) ?? [];
    const same = got.length === want.size && got.every((id) => want.has(id));
    console.log(
      `  group ${`${name} → ${GENESYS_GROUP[name]}`.padEnd(22)} ${String(got.length).padStart(3)} members in Genesys, ${same ? "same as Okta" : "DIFFERENT from Okta"}${name === "Support" ? " (plus the Genesys-only team lead, kept)" : ""}`,
    );
    return same;
  }).every(Boolean);
  const escalations = bridge.groupStatus.list().find((g) => g.okta === "Escalations");
  console.log(
    `  group Escalations       ${escalations?.state}: ${escalations?.detail ?? ""} (reported, not retried)`,
  );
  console.log(`  group membership PATCHes ${g.groupWrites} for ${membership.length} membership events`);

  await bridge.stop();
  await Promise.all([okta.close(), genesys.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(diff.differences.length === 0 && groupsInStep ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
