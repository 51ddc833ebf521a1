import assert from "./support/assert.ts";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, configWarnings, loadConfig } from "../src/config.ts";
import { SCIM_ENTERPRISE_USER, SCIM_GENESYS_USER } from "../src/genesys/scim-user.ts";
import type { OktaUser } from "../src/okta/okta-user.ts";
import { attributeChanges, ownedAttributes } from "../src/reconcile/attribute-changes.ts";
import { MappingFileError, parseMapping } from "../src/sync/mapping-file.ts";
import { mapOktaUser } from "../src/sync/scim-mapping.ts";
import { bridgeEnv } from "./support/harness.ts";

const ada = (profile: Record<string, unknown> = {}, status: OktaUser["status"] = "ACTIVE"): OktaUser => ({
  id: "00u1abcdEFGHijkl2345",
  status,
  profile: {
    login: "Ada.Lovelace@Example.com",
    email: "ada@example.com",
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: undefined,
    title: "Engineer",
    department: "R&D",
    employeeNumber: "1815",
    primaryPhone: undefined,
    mobilePhone: undefined,
    ...profile,
  },
});

const custom = {
  attributes: {
    userName: { from: "login", transform: "lowercase" },
    displayName: { template: "{nickName} {lastName}" },
    department: { from: "costCenter" },
    division: { value: "Home" },
    title: { from: "title", map: { Engineer: "Software Engineer" } },
    dateHire: { from: "hireDate" },
    routingSkills: { from: "skills", proficiency: 3 },
    externalIds: { from: "$id", authority: "okta" },
    manager: { from: "managerId", matchBy: "oktaId" },
    employeeNumber: null,
  },
  groups: { "Okta Support": "Support" },
};

test("a mapping file maps custom attributes, transforms, templates, value maps and constants", () => {
  const mapping = parseMapping(custom);
  const result = mapOktaUser(
    ada({
      nickName: "Countess",
      costCenter: "CC-42",
      hireDate: "2024-03-01T00:00:00.000Z",
      skills: ["Billing", "Support"],
      managerId: "00uManager0000000001",
    }),
    mapping,
  );
  assert.equal(result.kind, "user");
  if (result.kind !== "user") return;
  assert.equal(result.user.userName, "ada.lovelace@example.com");
  assert.equal(result.user.displayName, "Countess Lovelace");
  assert.equal(result.user.title, "Software Engineer");
  assert.deepEqual(result.user[SCIM_ENTERPRISE_USER], {
    department: "CC-42",
    division: "Home",
    dateHire: "2024-03-01",
  });
  assert.deepEqual(result.user[SCIM_GENESYS_USER], {
    routingSkills: [
      { name: "Billing", proficiency: 3 },
      { name: "Support", proficiency: 3 },
    ],
    externalIds: [{ authority: "okta", value: "00u1abcdEFGHijkl2345" }],
  });
  assert.deepEqual(result.manager, { value: "00uManager0000000001", matchBy: "oktaId" });
  assert.deepEqual(mapping.groupNames, { "Okta Support": "Support" });
  // The same table drives the reconcile's comparison: the custom attributes are compared, the
  // removed one is not.
  const owned = ownedAttributes(mapping);
  assert.ok(owned.includes("division") && owned.includes("routingSkills"));
  assert.ok(!owned.includes("employeeNumber"));
  const changes = attributeChanges(result.values, { id: "g1", ...result.user, title: "Engineer" }, owned);
  assert.deepEqual(changes, [{ attribute: "title", genesys: "Engineer", okta: "Software Engineer" }]);
});

test("a template without any value falls back; a status map decides active", () => {
  const mapping = parseMapping({
    attributes: { active: { from: "$status", map: { ACTIVE: true, SUSPENDED: true }, default: false } },
  });
  const suspended = mapOktaUser(ada({}, "SUSPENDED"), mapping);
  assert.equal(suspended.kind === "user" && suspended.user.active, true);
  const deprovisioned = mapOktaUser(ada({}, "DEPROVISIONED"), mapping);
  assert.equal(deprovisioned.kind === "user" && deprovisioned.user.active, false);
  const noName = mapOktaUser(ada({ firstName: null, lastName: null }));
  assert.equal(noName.kind === "user" && noName.user.displayName, "Ada.Lovelace@Example.com");
});

test("every problem in a mapping file is reported, each naming its entry", () => {
  assert.throws(
    () =>
      parseMapping({
        attributes: {
          nickname: { from: "nickName" },
          title: { from: "title", transform: "capitalize" },
          userName: null,
          department: {},
          manager: { from: "managerId", matchBy: "email" },
          externalIds: { from: "$id" },
          division: { from: "bad name" },
        },
      }),
    (error: unknown) => {
      assert.ok(error instanceof MappingFileError);
      for (const entry of ["title.transform", "department", "manager.matchBy"])
        assert.match(error.message, new RegExp(`attributes\\.${entry.replace(".", "\\.")}`));
      return true;
    },
  );
  assert.throws(
    () =>
      parseMapping({
        attributes: {
          nickname: { from: "nickName" },
          userName: null,
          externalIds: { from: "$id" },
          division: { from: "bad name" },
        },
      }),
    (error: unknown) => {
      assert.ok(error instanceof MappingFileError);
      assert.match(error.message, /attributes\.nickname: is not a Genesys attribute/);
      assert.match(error.message, /attributes\.userName: is required by Genesys/);
      assert.match(error.message, /attributes\.externalIds: needs "authority"/);
      assert.match(error.message, /attributes\.division: "bad name" is not an Okta attribute name/);
      return true;
    },
  );
});

test("a bad mapping file stops the process with a message naming the entry; SYNC_GROUPS is read with it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mapping-file-"));
  try {
    const file = join(dir, "mapping.json");
    writeFileSync(file, JSON.stringify({ attributes: { title: { from: "title", transform: "shout" } } }));
    const env = { ...bridgeEnv("http://127.0.0.1:1", "http://127.0.0.1:1", dir), MAPPING_FILE: file };
    assert.throws(
      () => loadConfig(env),
      (e: unknown) => e instanceof ConfigError && e.message.includes("attributes.title.transform"),
    );
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /MAPPING_FILE .*mapping\.json/);
    assert.match(stderr, /attributes\.title\.transform/);

    // Groups: SYNC_GROUPS lists Okta names; the file renames one, and naming an unlisted one is a warning.
    writeFileSync(file, JSON.stringify({ groups: { "Okta Support": "Support", Unlisted: "Other" } }));
    const config = loadConfig({ ...env, SYNC_GROUPS: " Okta Support ,Sales,Sales" });
    assert.deepEqual(config.groups, [
      { okta: "Okta Support", genesys: "Support" },
      { okta: "Sales", genesys: "Sales" },
    ]);
    assert.ok(configWarnings(config).some((w) => /"Unlisted", which SYNC_GROUPS does not list/.test(w)));

    writeFileSync(file, "{ not json");
    assert.throws(
      () => loadConfig(env),
      (e: unknown) => e instanceof ConfigError && /is not valid JSON/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
