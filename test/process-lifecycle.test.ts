import assert from "./support/assert.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import { startGenesysSimulator, type GenesysSimulator } from "../sim/genesys-simulator.ts";
import { deliverToHook } from "../sim/okta-hook-delivery.ts";
import type { OktaSystemLogEvent } from "../sim/okta-events.ts";
import { startOktaSimulator, type OktaSimulator } from "../sim/okta-simulator.ts";
import { openSqliteStore } from "../src/store/sqlite-store.ts";
import { spawnBridge } from "./support/child-bridge.ts";
import { waitFor } from "./support/wait-for.ts";
import { bridgeEnv, GENESYS_CLIENT, GENESYS_SECRET, HOOK_SECRET, OKTA_TOKEN } from "./support/harness.ts";
import { person } from "./support/people.ts";

let okta: OktaSimulator;
let genesys: GenesysSimulator;
const dirs: string[] = [];
before(async () => {
  okta = await startOktaSimulator({ apiToken: OKTA_TOKEN });
  // 40 writes a second: a burst of a few hundred users takes several seconds, time to kill it mid-way.
  genesys = await startGenesysSimulator({
    clients: { [GENESYS_CLIENT]: GENESYS_SECRET },
    rateLimit: { limit: 40, windowMs: 1000 },
    latencyMs: { min: 5, max: 15 },
  });
});
after(async () => {
  await Promise.all([okta.close(), genesys.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function childEnv(dataDir: string): Record<string, string> {
  // Starting near the quota, a burst takes seconds rather than the ramp-up from the default 3/s.
  return {
    ...bridgeEnv(okta.url, genesys.url, dataDir),
    LOG_LEVEL: "info",
    SHUTDOWN_GRACE_MS: "1500",
    GENESYS_INITIAL_RATE: "30",
  };
}

function burst(from: number, count: number): OktaSystemLogEvent[] {
  const events: OktaSystemLogEvent[] = [];
  for (let i = from; i < from + count; i++) {
    const { user, events: created } = okta.createUser(person(i));
    events.push(...created);
    if (i % 3 === 0) events.push(...okta.updateProfile(user.id, { title: `Updated ${i}` }).events);
  }
  return events;
}

const inStep = () => diffDirectories(okta.users(), genesys.users()).differences.length === 0;

test("SIGKILL mid-burst loses nothing that was acknowledged: a restart on the same DATA_DIR finishes it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bridge-kill-"));
  dirs.push(dataDir);
  const first = await spawnBridge(childEnv(dataDir));
  const deliveries = await deliverToHook(`${first.url}/okta/events`, HOOK_SECRET, burst(0, 200), {
    batchSize: 50,
  });
  assert.ok(
    deliveries.every((d) => d.delivered),
    "every delivery acknowledged",
  );
  await waitFor(() => genesys.stats().writes >= 60, "some writes");
  first.process.kill("SIGKILL");
  const { signal } = await first.exited;
  assert.equal(signal, "SIGKILL");
  assert.equal(inStep(), false, "the kill came mid-way");

  const second = await spawnBridge(childEnv(dataDir));
  try {
    await waitFor(inStep, "Genesys to match Okta after the restart", 60_000);
  } finally {
    second.process.kill("SIGTERM");
    await second.exited;
  }
  assert.equal(genesys.users().length, okta.users().length);
});

test("SIGTERM drains: not ready at once, exits 0, leaves the rest pending for the next start", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bridge-term-"));
  dirs.push(dataDir);
  const first = await spawnBridge(childEnv(dataDir));
  const writesBefore = genesys.stats().writes;
  await deliverToHook(`${first.url}/okta/events`, HOOK_SECRET, burst(1000, 150), { batchSize: 100 });
  await waitFor(() => genesys.stats().writes >= writesBefore + 20, "some writes");
  assert.equal((await fetch(`${first.url}/readyz`)).status, 200);
  first.process.kill("SIGTERM");
  await waitFor(
    async () => (await fetch(`${first.url}/readyz`).catch(() => undefined))?.status === 503,
    "/readyz to answer 503",
    2_000,
  );
  const { code } = await first.exited;
  assert.equal(code, 0);
  assert.ok(first.output.some((line) => line.includes('"msg":"stopped"')));

  const store = openSqliteStore({ dataDir });
  const left = await store.stats();
  await store.close();
  assert.ok(left.pending > 0, "unfinished users stay pending in the store");

  const second = await spawnBridge(childEnv(dataDir));
  try {
    await waitFor(inStep, "Genesys to match Okta after the restart", 60_000);
  } finally {
    second.process.kill("SIGTERM");
    assert.equal((await second.exited).code, 0);
  }
});
