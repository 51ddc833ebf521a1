import assert from "./support/assert.ts";
import { test } from "node:test";
import { GENESYS_SECRET, HOOK_SECRET, OKTA_TOKEN, startHarness } from "./support/harness.ts";
import { person } from "./support/people.ts";

const ADMIN = "admin-token-secret-abcdefghijkl";

test("no secret appears in logs, error bodies, metrics or the admin API after a full run with failures", async () => {
  const h = await startHarness({
    env: { ADMIN_TOKEN: ADMIN },
    bridge: { genesysController: { backoffBaseMs: 10, backoffCapMs: 50 } },
  });
  try {
    const bodies: string[] = [];
    const secrets = [HOOK_SECRET, OKTA_TOKEN, GENESYS_SECRET, ADMIN];
    // Failures on every path that logs: wrong hook secrets, a wrong admin token, Genesys faults,
    // expired tokens, a dead letter, plus a normal burst.
    h.genesys.injectFault({ kind: "503", times: 2 });
    h.genesys.injectFault({ kind: "expire-tokens", times: 1 });
    h.genesys.injectFault({
      kind: "403",
      times: 1,
      match: (r) => r.method === "POST" && r.path.includes("/scim/"),
    });
    const events = [];
    for (let i = 0; i < 10; i++) events.push(...h.okta.createUser(person(i)).events);
    await h.deliver(events);
    for (const auth of [`${HOOK_SECRET}0`, HOOK_SECRET.slice(0, -1), `Bearer ${HOOK_SECRET}`]) {
      const res = await fetch(`${h.url}/okta/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: auth },
        body: "{}",
      });
      bodies.push(await res.text());
    }
    bodies.push(
      await (await fetch(`${h.url}/admin/queue`, { headers: { authorization: `Bearer ${ADMIN}x` } })).text(),
    );
    await h.settle();
    bodies.push(await (await fetch(`${h.url}/metrics`)).text());
    bodies.push(await (await fetch(`${h.url}/readyz`)).text());
    bodies.push(
      await (
        await fetch(`${h.url}/admin/dead-letters`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).text(),
    );
    assert.ok(h.logs.length >= 20, "the run logged plenty");
    assert.ok(
      bodies.some((b) => b.includes("403")),
      "the dead letter is listed",
    );
    for (const secret of secrets) {
      assert.equal(h.logs.filter((l) => l.includes(secret)).length, 0, "a secret leaked into the logs");
      assert.equal(bodies.filter((b) => b.includes(secret)).length, 0, "a secret leaked into an answer");
    }
  } finally {
    await h.close();
  }
});
