import assert from "./support/assert.ts";
import { test } from "node:test";
import { startGenesysSimulator } from "../sim/genesys-simulator.ts";
import { startOktaSimulator } from "../sim/okta-simulator.ts";
import { person } from "./support/people.ts";

const GROUPS = "/api/v2/scim/v2/groups";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

test("Genesys simulator groups: a filter is required, members change by PATCH under If-Match, no POST", async () => {
  const sim = await startGenesysSimulator();
  try {
    const tokenResponse = await fetch(`${sim.url}/oauth/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from("demo-client:demo-secret").toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await fetch(`${sim.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json", ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, etag: res.headers.get("etag"), body: (await res.json()) as any };
    };
    const a = sim.seedUser({ userName: "a@example.com", displayName: "A", active: true });
    const b = sim.seedUser({ userName: "b@example.com", displayName: "B", active: true });
    const group = sim.seedGroup("Support", [a.id]);

    assert.equal((await call("GET", GROUPS)).status, 400, "Genesys requires a filter");
    const found = await call("GET", `${GROUPS}?filter=${encodeURIComponent('displayName eq "Support"')}`);
    assert.deepEqual(
      found.body.Resources.map((g: { id: string }) => g.id),
      [group.id],
    );

    const patch = (ops: unknown[], ifMatch: string) =>
      call(
        "PATCH",
        `${GROUPS}/${group.id}`,
        { schemas: [PATCH_OP], Operations: ops },
        { "if-match": ifMatch },
      );
    const added = await patch(
      [
        { op: "add", path: "members", value: [{ value: b.id }] },
        { op: "remove", path: `members[value eq "${a.id}"]` },
      ],
      'W/"1"',
    );
    assert.equal(added.status, 200);
    assert.equal(added.etag, 'W/"2"');
    assert.deepEqual(sim.groupMembers("Support"), [b.id]);
    const stale = await patch([{ op: "add", path: "members", value: [{ value: a.id }] }], 'W/"1"');
    assert.equal(stale.status, 400);
    assert.equal(stale.body.scimType, "invalidVers");
    const notAUser = await patch([{ op: "add", path: "members", value: [{ value: "nobody" }] }], 'W/"2"');
    assert.equal(notAUser.status, 400);
    assert.equal(
      (await call("POST", GROUPS, { displayName: "New" })).status,
      405,
      "SCIM cannot create groups",
    );
    assert.deepEqual(
      { reads: sim.stats().groupReads, writes: sim.stats().groupWrites },
      { reads: 2, writes: 1 },
    );
  } finally {
    await sim.close();
  }
});

test("Okta simulator groups: found by name, members listed in pages with a next link", async () => {
  const okta = await startOktaSimulator({ apiToken: "t" });
  try {
    const ids = [1, 2, 3].map((n) => okta.createUser(person(n)).user.id);
    for (const id of ids) okta.addToGroup(id, "Support");
    okta.addToGroup(ids[0] ?? "", "Sales");
    const get = async (path: string) => {
      const res = await fetch(path.startsWith("http") ? path : `${okta.url}${path}`, {
        headers: { authorization: "SSWS t" },
      });
      return { status: res.status, link: res.headers.get("link"), body: (await res.json()) as any };
    };
    const search = await get(`/api/v1/groups?search=${encodeURIComponent('profile.name eq "Support"')}`);
    assert.equal(search.body.length, 1);
    const groupId = search.body[0].id as string;
    assert.equal(search.body[0].profile.name, "Support");

    const first = await get(`/api/v1/groups/${groupId}/users?limit=2`);
    assert.deepEqual(
      first.body.map((u: { id: string }) => u.id),
      ids.slice(0, 2),
    );
    const next = /<([^>]+)>; rel="next"/.exec(first.link ?? "")?.[1];
    assert.ok(next);
    const second = await get(next);
    assert.deepEqual(
      second.body.map((u: { id: string }) => u.id),
      ids.slice(2),
    );
    assert.doesNotMatch(second.link ?? "", /rel="next"/);
    assert.equal((await get(`/api/v1/groups/00gNope/users`)).status, 404);
  } finally {
    await okta.close();
  }
});
