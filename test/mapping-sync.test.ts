import assert from "./support/assert.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, test } from "node:test";
import { SCIM_ENTERPRISE_USER } from "../src/genesys/scim-user.ts";
import { waitFor } from "./support/wait-for.ts";
import { startHarness, type Harness } from "./support/harness.ts";
import { person } from "./support/people.ts";

const dir = mkdtempSync(join(tmpdir(), "mapping-sync-"));
const mappingFile = join(dir, "mapping.json");
writeFileSync(
  mappingFile,
  JSON.stringify({
    attributes: {
      department: { from: "costCenter", transform: "uppercase" },
      displayName: { template: "{lastName}, {firstName}" },
      manager: { from: "managerId", matchBy: "oktaId" },
    },
  }),
);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a mapping file's custom attribute, template and manager reach Genesys; the manager is waited for", async () => {
  h = await startHarness({ env: { MAPPING_FILE: mappingFile } });
  const { okta, genesys } = h;
  const boss = okta.createUser(person(1, { costCenter: "cc-1" }));
  const agent = okta.createUser(person(2, { costCenter: "cc-7", managerId: boss.user.id }));

  // The agent's events come first: its manager is not in Genesys yet, so it is written without one.
  await h.deliver(agent.events);
  await waitFor(
    () => h?.logs.some((line) => /manager .* is not in Genesys yet/.test(line)) ?? false,
    "the agent's sync to wait for its manager",
    10_000,
  );
  const early = genesys.findByExternalId(agent.user.id);
  assert.equal(early?.displayName, "Last2, First2");
  assert.equal(early?.[SCIM_ENTERPRISE_USER]?.department, "CC-7");
  assert.equal(early?.[SCIM_ENTERPRISE_USER]?.manager, undefined);

  await h.deliver(boss.events);
  await h.settle(); // the agent's sync was rescheduled: idle only once the manager is set
  const bossInGenesys = genesys.findByExternalId(boss.user.id);
  const late = genesys.findByExternalId(agent.user.id);
  assert.equal(late?.[SCIM_ENTERPRISE_USER]?.manager?.value, bossInGenesys?.id);
  assert.deepEqual(await h.bridge.store.listDeadLetters(10), []);

  // A change to the custom attribute is one PATCH.
  genesys.resetStats();
  await h.deliver(okta.updateProfile(agent.user.id, { costCenter: "cc-9" }).events);
  await h.settle();
  assert.deepEqual(genesys.stats().byMethod, { PATCH: 1 });
  assert.equal(genesys.findByExternalId(agent.user.id)?.[SCIM_ENTERPRISE_USER]?.department, "CC-9");
});
