import { mkdtempSync, rmSync } from "node:fs";
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
 */
const USERS = 300;
const UPDATED_USERS = 150;
const UPDATES = 900;
const HOOK_SECRET = "demo-hook-secret-not-for-production";

async function main() {
  const started = Date.now();
  const okta = await startOktaSimulator({ latencyMs: { min: 2, max: 10 } });
  const genesys = await startGenesysSimulator({
    rateLimit: { limit: 300, windowMs: 15_000 },
    latencyMs: { min: 20, max: 60 },
  });
  const dataDir = mkdtempSync(join(tmpdir(), "okta-genesys-bridge-demo-"));
  const config = loadConfig({
    OKTA_HOOK_SECRET: HOOK_SECRET,
    OKTA_ORG_URL: okta.url,
    OKTA_API_TOKEN: "demo-okta-token",
    GENESYS_API_URL: genesys.url,
    GENESYS_LOGIN_URL: genesys.url,
    GENESYS_CLIENT_ID: "demo-client",
    GENESYS_CLIENT_SECRET: "demo-secret",
    DATA_DIR: dataDir,
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
      department: ["Sales", "Support", "Billing"][n % 3] ?? "Sales",
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

  await bridge.dispatcher.idle();
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

  await bridge.stop();
  await Promise.all([okta.close(), genesys.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(diff.differences.length === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
