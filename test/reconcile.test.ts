import assert from "./support/assert.ts";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { oktaUserSchema } from "../src/okta/okta-user.ts";
import type { ReconcileProgress } from "../src/reconcile/reconcile-progress.ts";
import { formatReport } from "../src/reconcile/reconcile-report.ts";
import { diffDirectories } from "../sim/directory-diff.ts";
import type { OktaSimulator } from "../sim/okta-simulator.ts";
import type { GenesysSimulator } from "../sim/genesys-simulator.ts";
import { mapOktaUser } from "../src/sync/scim-mapping.ts";
import { bridgeEnv, startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";
import { waitFor } from "./support/wait-for.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ADMIN_TOKEN = "test-admin-token-0123456789";

/** Puts the Okta user into Genesys exactly as the default mapping would (the bridge never wrote it). */
function seedInStep(okta: OktaSimulator, genesys: GenesysSimulator, id: string, over: object = {}) {
  const mapped = mapOktaUser(oktaUserSchema.parse(okta.getUser(id)));
  assert.equal(mapped.kind, "user");
  if (mapped.kind !== "user") throw new Error("unreachable");
  const { schemas: _schemas, ...attributes } = mapped.user;
  return genesys.seedUser({ ...attributes, ...over });
}

/** Genesys requests other than token requests. */
function apiRequests(genesys: GenesysSimulator): number {
  const s = genesys.stats();
  return s.requests - s.tokenRequests;
}

/**
 * A directory with every kind of difference: in step, changed in Okta since, missing from Genesys,
 * gone from Okta (DEPROVISIONED / SUSPENDED) but active in Genesys, known to Genesys only by userName,
 * plus users there is nothing to do about (inactive on both sides, STAGED, DEPROVISIONED and absent).
 */
function driftedDirectories(okta: OktaSimulator, genesys: GenesysSimulator, base = 0) {
  const make = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => okta.createUser(person(base + from + i)).user.id);
  const inStep = make(20, 0);
  for (const id of inStep) seedInStep(okta, genesys, id);
  const updated = make(4, 100);
  for (const id of updated) {
    seedInStep(okta, genesys, id);
    okta.updateProfile(id, { title: "Lead" });
  }
  const created = make(3, 200);
  const deactivated = make(3, 300);
  for (const id of deactivated) {
    seedInStep(okta, genesys, id);
    okta.deactivate(id);
  }
  const [suspended = ""] = make(1, 400);
  seedInStep(okta, genesys, suspended);
  okta.suspend(suspended);
  // Created in Genesys by hand before the bridge existed: same userName, no externalId.
  const [byUserName = ""] = make(1, 500);
  seedInStep(okta, genesys, byUserName, { externalId: undefined, title: "Old title" });
  // Left the company long ago: inactive on both sides, in step.
  const [inactiveInStep = ""] = make(1, 600);
  okta.deactivate(inactiveInStep);
  seedInStep(okta, genesys, inactiveInStep);
  const staged = okta.createUser(person(base + 700), { status: "STAGED" }).user.id;
  const [deprovisionedAbsent = ""] = make(1, 800);
  okta.deactivate(deprovisionedAbsent);
  return {
    inStep,
    updated,
    created,
    deactivated,
    suspended,
    byUserName,
    inactiveInStep,
    staged,
    deprovisionedAbsent,
  };
}

const EXPECTED_COUNTS = { create: 3, update: 5, deactivate: 4, unchanged: 21, skipped: 2, conflict: 0 };
const EXPECTED_WRITES = 3 + 5 + 4;

test("users that differ are queued in the bulk lane, written once each, and end in step", async () => {
  h = await startHarness();
  const { okta, genesys } = h;
  const d = driftedDirectories(okta, genesys);

  const report = await h.bridge.reconciler.run();
  assert.deepEqual({ ...report.plan.counts, unknown: undefined }, { ...EXPECTED_COUNTS, unknown: undefined });
  assert.equal(report.plan.counts.unknown, 0);
  const update = report.plan.samples.update.find((c) => c.oktaUserId === d.updated[0]);
  assert.deepEqual(update?.changes, [{ attribute: "title", genesys: "Agent", okta: "Lead" }]);

  const diff = diffDirectories(okta.users(), genesys.users());
  assert.deepEqual(diff.differences, [
    `${d.deprovisionedAbsent}: 0 Genesys users with this externalId (want 1)`,
  ]);
  assert.equal(genesys.findByExternalId(d.suspended)?.active, false);
  assert.equal(genesys.findByExternalId(d.byUserName)?.title, "Agent");

  // The minimum: the listing pages (active + inactive list) and one write per differing user.
  const stats = genesys.stats();
  assert.equal(stats.writes, EXPECTED_WRITES);
  assert.equal((stats.byMethod["POST"] ?? 0) - stats.tokenRequests, 3);
  assert.equal(stats.byMethod["PATCH"], 9);
  assert.equal(stats.byMethod["DELETE"], undefined);
  assert.equal(stats.lookups, report.genesys.pages, "no lookups besides the listing");
  assert.equal(report.genesys.pages, 2 + 1, "31 active users: 2 pages of 25; 1 page of inactive ones");
  assert.equal(report.applied.writes, EXPECTED_WRITES);
  assert.equal(report.genesysRequests.total, apiRequests(genesys));
  assert.equal((await h.bridge.store.stats()).pending, 0);
});

test("what a reconcile learns makes the next sync cheap: known ids need no lookup, hashes skip no-op writes", async () => {
  h = await startHarness();
  const { okta, genesys } = h;
  const d = driftedDirectories(okta, genesys);
  await h.bridge.reconciler.run();

  // A second run finds nothing to do and spends only the listing.
  genesys.resetStats();
  const again = await h.bridge.reconciler.run();
  assert.equal(again.plan.counts.create + again.plan.counts.update + again.plan.counts.deactivate, 0);
  assert.equal(apiRequests(genesys), again.genesys.pages);

  // An Okta change to an attribute the mapping does not carry costs no Genesys request at all, even
  // for a user the bridge never wrote (the reconcile saved its body hash)...
  genesys.resetStats();
  await h.deliver(okta.updateProfile(d.inStep[0] ?? "", { managerId: "00u0000000000000mgr" }).events);
  await h.settle();
  assert.equal(apiRequests(genesys), 0);
  // ...and a real change is one PATCH with no lookup (the reconcile saved the Genesys id, what
  // Genesys held and its version).
  await h.deliver(okta.updateProfile(d.inStep[1] ?? "", { title: "Supervisor" }).events);
  await h.settle();
  assert.deepEqual(genesys.stats().byMethod, { PATCH: 1 });
  assert.equal(genesys.findByExternalId(d.inStep[1] ?? "")?.title, "Supervisor");
});

test("a dry run prints the plan attribute by attribute and writes nothing", async () => {
  h = await startHarness();
  const { okta, genesys } = h;
  const d = driftedDirectories(okta, genesys);

  const report = await h.bridge.reconciler.run({ dryRun: true, sample: 2 });
  assert.deepEqual({ ...report.plan.counts, unknown: 0 }, { ...EXPECTED_COUNTS, unknown: 0 });
  assert.equal(report.plan.samples.create.length, 2);
  const text = formatReport(report);
  assert.match(text, /dry run/);
  assert.match(text, /Updates \(first 2 of 5\)/);
  assert.match(text, /title: "Agent" -> "Lead"/);
  assert.match(text, /active: true -> false/);
  assert.equal(genesys.stats().writes, 0);
  assert.equal(apiRequests(genesys), report.genesys.pages, "a dry run reads the listing only");
  const store = h.bridge.store;
  assert.equal((await store.stats()).pending, 0);
  assert.equal(await store.getUser(d.inStep[0] ?? ""), undefined, "no Genesys id or hash saved");
  assert.equal(await store.latestReconcileRun(), undefined, "no run recorded");
});

test("npm run reconcile prints the plan on --dry-run without touching DATA_DIR, then applies it", async () => {
  h = await startHarness();
  const { okta, genesys } = h;
  const d = driftedDirectories(okta, genesys);
  // The CLI reads the service's configuration from the environment.
  const dataDir = mkdtempSync(join(tmpdir(), "reconcile-cli-"));
  const env = bridgeEnv(okta.url, genesys.url, dataDir);
  try {
    const dry = await runCli(["--dry-run", "--sample", "1"], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /create\s+3\n\s+update\s+5\n\s+deactivate\s+4\n\s+unchanged\s+21/);
    assert.match(dry.stdout, /Creates \(first 1 of 3\)/);
    assert.match(dry.stdout, /userName: \(none\) -> "user200@example.com"/);
    assert.equal(genesys.stats().writes, 0);
    assert.deepEqual(readdirSync(dataDir), [], "a dry run does not even open the store");

    const real = await runCli([], env);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /Genesys requests\s+\d+ \(listing 3, writes 12\)/);
    assert.equal(genesys.stats().writes, EXPECTED_WRITES);
    assert.deepEqual(diffDirectories(okta.users(), genesys.users()).differences, [
      `${d.deprovisionedAbsent}: 0 Genesys users with this externalId (want 1)`,
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/reconcile.ts", ...args], {
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("Genesys users Okta does not know are reported, never deleted (admin API)", async () => {
  h = await startHarness({ env: { ADMIN_TOKEN }, genesys: { latencyMs: 10 } });
  const { okta, genesys } = h;
  driftedDirectories(okta, genesys);
  const strangers = [
    genesys.seedUser({
      userName: "gone@example.com",
      displayName: "Gone",
      externalId: "00uGoneFromOkta001",
      active: true,
    }),
    genesys.seedUser({ userName: "manual@example.com", displayName: "Made by hand", active: true }),
    genesys.seedUser({ userName: "old@example.com", displayName: "Old", active: false }),
  ]; // Its userName is taken by a Genesys user that belongs to someone else: a conflict, not a write.
  const blocked = okta.createUser(person(900)).user.id;
  strangers.push(
    genesys.seedUser({
      userName: "user900@example.com",
      displayName: "Namesake",
      externalId: "00uSomeoneElse01",
      active: true,
    }),
  );

  const admin = (method: string, body?: unknown, token = ADMIN_TOKEN) =>
    fetch(`${h?.url}/admin/reconcile`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  assert.equal((await admin("POST", {}, "wrong-token-0123456789")).status, 401);
  assert.equal((await admin("POST", { dryRun: "yes" })).status, 400);
  const started = await admin("POST", {});
  assert.equal(started.status, 202);
  const { runId } = (await started.json()) as { runId: string };
  assert.match(runId, /^rec_/);
  const busy = await admin("POST", { dryRun: true });
  assert.equal(busy.status, 409);

  let progress:
    | { state: string; runId: string; plan: { unknown: number; conflict: number }; report: unknown }
    | undefined;
  await waitFor(async () => {
    progress = (await (await admin("GET")).json()) as typeof progress;
    return progress?.state !== "running";
  }, "the run to finish, as the admin API reports it");
  assert.equal(progress?.state, "done");
  assert.equal(progress?.runId, runId);
  assert.equal(progress?.plan.unknown, 4);
  assert.equal(progress?.plan.conflict, 1);
  const report = h.bridge.reconciler.progress().report;
  assert.deepEqual(
    report?.plan.samples.unknown.map((u) => u.genesysId).sort(),
    strangers.map((s) => s.id).sort(),
  );
  for (const s of strangers)
    assert.ok(
      genesys.users().some((u) => u.id === s.id),
      `${s.userName} kept`,
    );
  assert.equal(genesys.stats().byMethod["DELETE"], undefined);
  assert.equal(genesys.users().find((u) => u.id === strangers[0]?.id)?.active, true, "not even deactivated");
  assert.equal(report?.plan.samples.conflict[0]?.oktaUserId, blocked);
  assert.equal(genesys.findByExternalId(blocked), undefined, "the conflicting user was not written");
  assert.equal(genesys.stats().byStatus["409"], undefined, "no write was tried into the conflict");
});

test("a run interrupted mid-listing resumes from its saved cursors, not from zero", async () => {
  h = await startHarness({
    genesys: { latencyMs: 15 },
    okta: { latencyMs: 15 },
    bridge: { reconcile: { oktaPageSize: 20 } },
  });
  const { okta, genesys } = h;
  for (let i = 0; i < 150; i++) {
    const id = okta.createUser(person(i)).user.id;
    seedInStep(okta, genesys, id);
    if (i % 5 === 0) okta.updateProfile(id, { title: "Lead" });
  }
  // Genesys: 150 active users = 6 pages of 25, plus 1 page of inactive ones.
  // Okta: 150 users = 8 pages of 20, plus 1 page of DEPROVISIONED ones.
  const FULL = { genesys: 7, okta: 9 };
  const interruptWhen = async (reached: (p: ReconcileProgress) => boolean) => {
    const reconciler = h?.bridge.reconciler;
    assert.ok(reconciler);
    const abort = new AbortController();
    const watch = setInterval(() => reached(reconciler.progress()) && abort.abort(), 1);
    await assert.rejects(reconciler.run({ signal: abort.signal }));
    clearInterval(watch);
    return reconciler.progress();
  };
  // Lookups are listing pages only: the syncs the run queues know their Genesys ids.
  let before = { genesysPages: 0, oktaPages: 0 };
  const pagesSince = () => {
    const now = { genesysPages: genesys.stats().lookups, oktaPages: okta.stats().listReads };
    const read = {
      genesysPages: now.genesysPages - before.genesysPages,
      oktaPages: now.oktaPages - before.oktaPages,
    };
    before = now;
    return read;
  };
  const nextProcess = async () => {
    const read = pagesSince();
    await h?.restart(); // a new bridge on the same DATA_DIR, as after a crash
    return read;
  };

  const first = await interruptWhen((p) => p.listed.genesysPages >= 3);
  assert.equal(first.state, "interrupted");
  assert.equal(first.phase, "genesys");
  const session1 = await nextProcess();
  assert.equal(session1.oktaPages, 0);
  assert.ok(session1.genesysPages >= 3 && session1.genesysPages < FULL.genesys);
  await waitFor(() => h?.bridge.reconciler.progress().state === "interrupted", "the run to stop");

  const second = await interruptWhen((p) => p.phase === "okta" && p.listed.oktaPages >= 3);
  assert.equal(second.resumes, 1);
  assert.equal(second.phase, "okta");
  const session2 = await nextProcess();
  assert.equal(session1.genesysPages + session2.genesysPages, FULL.genesys, "no Genesys page read twice");
  assert.ok(session2.oktaPages >= 3 && session2.oktaPages < FULL.okta);

  const report = await h.bridge.reconciler.run();
  const session3 = pagesSince();
  assert.equal(report.resumes, 2);
  assert.equal(session3.genesysPages, 0, "the Genesys listing was saved page by page");
  assert.equal(session2.oktaPages + session3.oktaPages, FULL.okta, "no Okta page read twice");
  assert.deepEqual(
    { update: report.plan.counts.update, unchanged: report.plan.counts.unchanged },
    {
      update: 30,
      unchanged: 120,
    },
  );
  assert.equal(genesys.stats().writes, 30, "each differing user written once");
  assert.deepEqual(diffDirectories(okta.users(), genesys.users()).differences, []);
});

test("live Okta events go first while a reconcile's bulk work is queued", async () => {
  h = await startHarness({
    genesys: { rateLimit: { limit: 20, windowMs: 1000 } },
    env: { SYNC_CONCURRENCY: "4" },
  });
  const { okta, genesys } = h;
  for (let i = 0; i < 120; i++) {
    seedInStep(okta, genesys, okta.createUser(person(i)).user.id, { title: "Stale" });
  }
  const urgent = okta.createUser(person(999)).user.id;
  seedInStep(okta, genesys, urgent);
  const running = h.bridge.reconciler.run();
  await waitFor(() => (h?.bridge.reconciler.progress().writes ?? 0) >= 10, "ten bulk writes");

  const writesBefore = genesys.stats().writes;
  await h.deliver(okta.updateProfile(urgent, { title: "Urgent" }).events);
  await waitFor(() => genesys.findByExternalId(urgent)?.title === "Urgent", "the live change");
  const bulkWritesBetween = genesys.stats().writes - writesBefore - 1;
  const bulkLeft = await h.bridge.store.pendingInLane("bulk");
  // The live change waits for the bulk writes already in flight (at most 3 of the 4 sync slots),
  // not for the backlog: counted in writes rather than in time, which varies with the machine.
  assert.ok(bulkLeft >= 60, `the live change overtook the bulk backlog (${bulkLeft} bulk changes left)`);
  assert.ok(bulkWritesBetween <= 6, `${bulkWritesBetween} bulk writes landed before the live one`);

  const report = await running;
  assert.equal(report.plan.counts.update, 120);
  assert.deepEqual(diffDirectories(okta.users(), genesys.users()).differences, []);
});
