import assert from "./support/assert.ts";
import { afterEach, test } from "node:test";
import { diffDirectories } from "../sim/directory-diff.ts";
import type { GenesysFault } from "../sim/genesys-simulator.ts";
import type { OktaFault } from "../sim/okta-simulator.ts";
import { startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Short timeouts and backoff so that hung calls and retries resolve in test time. */
const fastRetries = {
  env: { HTTP_TIMEOUT_MS: "300" },
  bridge: {
    genesysController: { backoffBaseMs: 20, backoffCapMs: 200 },
    oktaController: { backoffBaseMs: 20, backoffCapMs: 200 },
  },
};

async function syncThrough(
  faults: { genesys?: GenesysFault[]; okta?: OktaFault[] },
  users = 5,
): Promise<Harness> {
  const harness = await startHarness(fastRetries);
  for (const f of faults.genesys ?? []) harness.genesys.injectFault(f);
  for (const f of faults.okta ?? []) harness.okta.injectFault(f);
  const events = [];
  for (let i = 0; i < users; i++) events.push(...harness.okta.createUser(person(i)).events);
  const [delivery] = await harness.deliver(events);
  assert.equal(delivery?.delivered, true);
  await harness.settle();
  const diff = diffDirectories(harness.okta.users(), harness.genesys.users());
  assert.deepEqual(diff.differences, []);
  assert.equal(diff.matching, users);
  assert.equal((await fetch(`${harness.url}/healthz`)).status, 200);
  assert.equal((await harness.bridge.store.stats()).deadLetters, 0, "transient faults never dead-letter");
  return harness;
}

const writes = (req: { method: string; path: string }) =>
  req.method === "POST" && req.path.includes("/scim/");

test("Genesys 500s and 503s are retried and nothing is lost", async () => {
  h = await syncThrough({
    genesys: [
      { kind: "503", times: 3 },
      { kind: "500", times: 2, match: writes },
    ],
  });
  assert.ok((h.genesys.stats().byStatus["503"] ?? 0) >= 3);
});

test("connection resets from Genesys are retried", async () => {
  h = await syncThrough({ genesys: [{ kind: "reset", times: 3, match: writes }] });
});

test("a Genesys request that hangs times out and is retried", async () => {
  h = await syncThrough({ genesys: [{ kind: "hang", times: 2, match: writes }] });
});

test("a failing token endpoint is retried, and expired tokens are renewed after a 401", async () => {
  h = await syncThrough({ genesys: [{ kind: "token-500", times: 2 }] });
  const tokensBefore = h.genesys.stats().tokenRequests;
  h.genesys.injectFault({ kind: "expire-tokens", times: 1 });
  const { user, events } = h.okta.createUser(person(50));
  await h.deliver(events);
  await h.settle();
  assert.ok(h.genesys.findByExternalId(user.id), "synced with a fresh token");
  assert.equal(h.genesys.stats().tokenRequests, tokensBefore + 1);
});

test("Okta 5xx, resets and hung reads are retried", async () => {
  h = await syncThrough({
    okta: [
      { kind: "500", times: 2 },
      { kind: "reset", times: 2 },
      { kind: "hang", times: 2 },
    ],
  });
});
