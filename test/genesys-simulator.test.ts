import assert from "./support/assert.ts";
import { after, before, describe, test } from "node:test";
import {
  startGenesysSimulator,
  type GenesysSimulator,
  type GenesysSimulatorOptions,
} from "../sim/genesys-simulator.ts";
import { createManualClock } from "./support/manual-clock.ts";
import { waitFor } from "./support/wait-for.ts";

const USERS = "/api/v2/scim/v2/users";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** A started simulator plus a tiny client that fetches and caches a token like the bridge would. */
async function withSimulator(options: GenesysSimulatorOptions = {}) {
  const sim = await startGenesysSimulator(options);
  const token = await fetchToken(sim.url);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/scim+json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === "" ? undefined : (JSON.parse(text) as any),
    };
  };
  return { sim, token, call };
}

async function fetchToken(url: string, clientId = "demo-client", secret = "demo-secret"): Promise<string> {
  const response = await requestToken(url, clientId, secret);
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function requestToken(url: string, clientId: string, secret: string): Promise<Response> {
  return fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
}

function newUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName,
    displayName: userName.split("@")[0],
    ...extra,
  };
}

describe("Genesys simulator OAuth", () => {
  let sim: GenesysSimulator;
  before(async () => {
    sim = await startGenesysSimulator();
  });
  after(() => sim.close());

  test("issues a bearer token for the right client credentials and counts the request", async () => {
    const response = await requestToken(sim.url, "demo-client", "demo-secret");
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body["token_type"], "bearer");
    assert.equal(body["expires_in"], 86_400);
    assert.equal(typeof body["access_token"], "string");
    assert.equal(sim.stats().tokenRequests, 1);
  });

  test("refuses wrong client credentials with invalid_client", async () => {
    const response = await requestToken(sim.url, "demo-client", "wrong");
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_client");
  });

  test("answers 401 to API calls without a bearer token or with an unknown one", async () => {
    assert.equal((await fetch(`${sim.url}${USERS}`)).status, 401);
    const unknown = await fetch(`${sim.url}${USERS}`, { headers: { authorization: "Bearer nope" } });
    assert.equal(unknown.status, 401);
  });

  test("a token stops working once it expires", async () => {
    let now = Date.now();
    const clocked = await startGenesysSimulator({ tokenTtlSeconds: 60, clock: { now: () => now } });
    try {
      const token = await fetchToken(clocked.url);
      const get = () => fetch(`${clocked.url}${USERS}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await get()).status, 200);
      now += 60_000;
      assert.equal((await get()).status, 401);
    } finally {
      await clocked.close();
    }
  });

  test("expire-tokens invalidates every issued token at once", async () => {
    const token = await fetchToken(sim.url);
    sim.injectFault({ kind: "expire-tokens", times: 1 });
    const response = await fetch(`${sim.url}${USERS}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 401);
  });
});

describe("Genesys simulator SCIM users", () => {
  let env: Awaited<ReturnType<typeof withSimulator>>;
  before(async () => {
    env = await withSimulator({ rateLimit: { limit: 10_000 } });
  });
  after(() => env.sim.close());

  test("creates a user with an id, a version and a location, and reads it back", async () => {
    const created = await env.call("POST", USERS, newUser("ada@example.com", { externalId: "00u1" }));
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.body.meta.version, 'W/"1"');
    assert.equal(created.body.meta.location, `${env.sim.url}${USERS}/${created.body.id}`);
    assert.equal(created.headers.get("location"), created.body.meta.location);
    assert.equal(created.body.active, true);
    const read = await env.call("GET", `${USERS}/${created.body.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.userName, "ada@example.com");
    assert.equal(env.sim.findByExternalId("00u1")?.id, created.body.id);
  });

  test("requires userName and displayName and rejects wrong attribute types with a detail", async () => {
    const missing = await env.call("POST", USERS, { userName: "x@example.com" });
    assert.equal(missing.status, 400);
    assert.match(missing.body.detail, /displayName/);
    const wrongType = await env.call("POST", USERS, newUser("y@example.com", { active: "yes" }));
    assert.equal(wrongType.status, 400);
    assert.deepEqual(wrongType.body.schemas, ["urn:ietf:params:scim:api:messages:2.0:Error"]);
    assert.match(wrongType.body.detail, /active/);
  });

  test("answers 409 uniqueness when the userName is taken, even by an inactive user", async () => {
    env.sim.seedUser({ userName: "taken@example.com", displayName: "Taken", active: false });
    const conflict = await env.call("POST", USERS, newUser("TAKEN@example.com"));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.scimType, "uniqueness");
    assert.equal(conflict.body.status, "409");
  });

  test("lists only active users unless the filter asks for active eq false", async () => {
    env.sim.seedUser({
      userName: "gone@example.com",
      displayName: "Gone",
      active: false,
      externalId: "00ugone",
    });
    const all = await env.call("GET", `${USERS}?count=25`);
    assert.ok(all.body.Resources.every((user: { active: boolean }) => user.active));
    const byName = await env.call(
      "GET",
      `${USERS}?filter=${encodeURIComponent('userName eq "gone@example.com"')}`,
    );
    assert.equal(byName.body.totalResults, 0);
    const inactive = await env.call(
      "GET",
      `${USERS}?filter=${encodeURIComponent('userName eq "gone@example.com" and active eq false')}`,
    );
    assert.equal(inactive.body.totalResults, 1);
    assert.equal(inactive.body.schemas[0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    const allInactive = await env.call("GET", `${USERS}?filter=${encodeURIComponent("active eq false")}`);
    assert.ok(allInactive.body.Resources.length >= 1);
    assert.ok(allInactive.body.Resources.every((user: { active: boolean }) => !user.active));
  });

  test("filters by externalId, id and email", async () => {
    const created = await env.call("POST", USERS, newUser("grace@example.com", { externalId: "00ugrace" }));
    for (const filter of [
      'externalId eq "00ugrace"',
      `id eq "${created.body.id}"`,
      'email eq "GRACE@example.com"',
    ]) {
      const list = await env.call("GET", `${USERS}?filter=${encodeURIComponent(filter)}`);
      assert.equal(list.body.totalResults, 1, filter);
      assert.equal(list.body.Resources[0].id, created.body.id, filter);
    }
    const bad = await env.call("GET", `${USERS}?filter=${encodeURIComponent("shoeSize eq 42")}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, "invalidFilter");
  });

  test("pages with startIndex and count, and answers a count above 25 with 429", async () => {
    for (let i = 0; i < 30; i += 1)
      env.sim.seedUser({ userName: `page${i}@example.com`, displayName: `Page ${i}` });
    const first = await env.call("GET", `${USERS}`);
    assert.equal(first.body.itemsPerPage, 25);
    assert.ok(first.body.totalResults >= 30);
    const second = await env.call("GET", `${USERS}?startIndex=26&count=25`);
    assert.equal(second.body.startIndex, 26);
    assert.notEqual(second.body.Resources[0].id, first.body.Resources[0].id);
    const large = await env.call("GET", `${USERS}?count=100`);
    assert.equal(large.status, 429);
  });

  test("PATCH handles the paths the bridge sends, with and without a path", async () => {
    const created = await env.call("POST", USERS, newUser("linus@example.com"));
    const id = created.body.id;
    const patched = await env.call("PATCH", `${USERS}/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "replace", path: "displayName", value: "Linus T" },
        { op: "Replace", path: "title", value: "Kernel" },
        { op: "replace", path: "name.givenName", value: "Linus" },
        { op: "replace", path: 'emails[type eq "work"].value', value: "linus@work.example.com" },
        { op: "add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" },
        { op: "replace", path: `${ENTERPRISE}:department`, value: "Platform" },
        { op: "replace", value: { externalId: "00ulinus", [ENTERPRISE]: { employeeNumber: "42" } } },
      ],
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const user = patched.body;
    assert.equal(user.displayName, "Linus T");
    assert.equal(user.title, "Kernel");
    assert.equal(user.name.givenName, "Linus");
    assert.deepEqual(user.emails, [{ type: "work", value: "linus@work.example.com" }]);
    assert.deepEqual(user.phoneNumbers, [{ type: "mobile", value: "+1 555 0100" }]);
    assert.deepEqual(user[ENTERPRISE], { department: "Platform", employeeNumber: "42" });
    assert.equal(user.externalId, "00ulinus");
    assert.equal(user.meta.version, 'W/"2"');

    const removed = await env.call("PATCH", `${USERS}/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "remove", path: 'phoneNumbers[type eq "mobile"]' },
        { op: "replace", path: "active", value: false },
      ],
    });
    assert.equal(removed.body.phoneNumbers, undefined);
    assert.equal(removed.body.active, false);

    const badType = await env.call("PATCH", `${USERS}/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "active", value: "False" }],
    });
    assert.equal(badType.status, 400);
    assert.equal((await env.call("GET", `${USERS}/${id}`)).body.meta.version, 'W/"3"');
  });

  test("a stale If-Match is answered 400 invalidVers and changes nothing", async () => {
    const created = await env.call("POST", USERS, newUser("vers@example.com"));
    const id = created.body.id;
    const put = await env.call("PUT", `${USERS}/${id}`, newUser("vers@example.com", { title: "A" }), {
      "if-match": 'W/"1"',
    });
    assert.equal(put.status, 200);
    const stale = await env.call("PUT", `${USERS}/${id}`, newUser("vers@example.com", { title: "B" }), {
      "if-match": 'W/"1"',
    });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.scimType, "invalidVers");
    assert.equal((await env.call("GET", `${USERS}/${id}`)).body.title, "A");
  });

  test("PUT can rename to a free userName but not to a taken one", async () => {
    const a = await env.call("POST", USERS, newUser("rename-a@example.com"));
    await env.call("POST", USERS, newUser("rename-b@example.com"));
    const taken = await env.call("PUT", `${USERS}/${a.body.id}`, newUser("rename-b@example.com"));
    assert.equal(taken.status, 409);
    const free = await env.call("PUT", `${USERS}/${a.body.id}`, newUser("rename-c@example.com"));
    assert.equal(free.status, 200);
    assert.equal(free.body.userName, "rename-c@example.com");
  });

  test("DELETE removes the user and frees its userName", async () => {
    const created = await env.call("POST", USERS, newUser("bye@example.com"));
    assert.equal((await env.call("DELETE", `${USERS}/${created.body.id}`)).status, 204);
    const gone = await env.call("GET", `${USERS}/${created.body.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.status, "404");
    assert.ok(!env.sim.users().some((user) => user.id === created.body.id));
    assert.equal((await env.call("POST", USERS, newUser("bye@example.com"))).status, 201);
  });

  test("refuses bodies over 512,000 bytes with 413", async () => {
    const big = await env.call("POST", USERS, newUser("big@example.com", { title: "x".repeat(520_000) }));
    assert.equal(big.status, 413);
  });

  test("counts writes and lookups", async () => {
    env.sim.resetStats();
    const created = await env.call("POST", USERS, newUser("count@example.com"));
    await env.call("GET", `${USERS}/${created.body.id}`);
    await env.call("GET", `${USERS}?filter=${encodeURIComponent('userName eq "count@example.com"')}`);
    const stats = env.sim.stats();
    assert.equal(stats.writes, 1);
    assert.equal(stats.lookups, 2);
    assert.equal(stats.requests, 3);
    assert.equal(stats.byMethod["GET"], 2);
    assert.equal(stats.byStatus["200"], 2);
  });
});

describe("Genesys simulator rate limit", () => {
  const windowMs = 300;

  test("answers 429 with Genesys' body, Retry-After and inin-ratelimit headers once the window is spent", async () => {
    const { sim, call } = await withSimulator({ rateLimit: { limit: 2, windowMs } });
    try {
      const first = await call("GET", USERS);
      assert.equal(first.headers.get("inin-ratelimit-allowed"), "2");
      assert.equal(first.headers.get("inin-ratelimit-count"), "1");
      assert.equal(first.headers.get("inin-ratelimit-reset"), "1");
      await call("GET", USERS);
      const throttled = await call("GET", USERS);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get("retry-after"), "1");
      assert.equal(throttled.headers.get("inin-ratelimit-count"), "3");
      assert.equal(
        throttled.body.message,
        "Rate limit exceeded the maximum. Retry the request in [1] seconds",
      );
      assert.equal(throttled.body.code, "too.many.requests.retry.after");
      assert.equal(throttled.body.status, 429);
      assert.match(throttled.body.contextId, /^[0-9a-f-]{36}$/);
      assert.deepEqual(throttled.body.details, []);
      assert.deepEqual(throttled.body.errors, []);
      assert.equal(sim.stats().throttled, 1);
    } finally {
      await sim.close();
    }
  });

  const modes = {
    "http-date": (headers: Headers, body: any) => {
      const date = Date.parse(headers.get("retry-after") ?? "");
      assert.ok(date > Date.now() - 1000 && date <= Date.now() + 2000);
      assert.match(body.message, /\[1\] seconds/);
    },
    zero: (headers: Headers) => assert.equal(headers.get("retry-after"), "0"),
    missing: (headers: Headers, body: any) => {
      assert.equal(headers.get("retry-after"), null);
      assert.equal(body.code, "too.many.requests");
      assert.doesNotMatch(body.message, /\d/);
    },
    "message-only": (headers: Headers, body: any) => {
      assert.equal(headers.get("retry-after"), null);
      assert.equal(body.code, "too.many.requests.retry.after");
      assert.match(body.message, /Retry the request in \[1\] seconds/);
    },
  } as const;
  for (const [mode, check] of Object.entries(modes)) {
    test(`retryAfter "${mode}" shapes the 429 as real Genesys answers sometimes do`, async () => {
      const { sim, call } = await withSimulator({
        rateLimit: { limit: 1, windowMs, retryAfter: mode as keyof typeof modes },
      });
      try {
        await call("GET", USERS);
        const throttled = await call("GET", USERS);
        assert.equal(throttled.status, 429);
        check(throttled.headers, throttled.body);
      } finally {
        await sim.close();
      }
    });
  }

  test("headers: false leaves the inin-ratelimit headers out", async () => {
    const { sim, call } = await withSimulator({ rateLimit: { limit: 5, windowMs, headers: false } });
    try {
      assert.equal((await call("GET", USERS)).headers.get("inin-ratelimit-count"), null);
    } finally {
      await sim.close();
    }
  });

  test("a fixed window resets at its end, and 429s do not change user state", async () => {
    const clock = createManualClock();
    const { sim, call } = await withSimulator({ rateLimit: { limit: 2, windowMs }, clock });
    try {
      await call("POST", USERS, newUser("w1@example.com"));
      await call("GET", USERS);
      const refused = await call("POST", USERS, newUser("w2@example.com"));
      assert.equal(refused.status, 429);
      assert.equal(sim.users().length, 1);
      await clock.advance(windowMs);
      const again = await call("POST", USERS, newUser("w2@example.com"));
      assert.equal(again.status, 201);
      assert.equal(again.headers.get("inin-ratelimit-count"), "1");
    } finally {
      await sim.close();
    }
  });

  test("a sliding window frees a slot when the oldest request ages out", async () => {
    const clock = createManualClock();
    const { sim, call } = await withSimulator({
      rateLimit: { limit: 2, windowMs, kind: "sliding-window" },
      clock,
    });
    try {
      await call("GET", USERS);
      await clock.advance(windowMs / 2);
      await call("GET", USERS);
      assert.equal((await call("GET", USERS)).status, 429);
      await clock.advance(windowMs / 2);
      assert.equal((await call("GET", USERS)).status, 200);
      assert.equal((await call("GET", USERS)).status, 429);
    } finally {
      await sim.close();
    }
  });

  test("all tokens of one client share the quota; another client has its own", async () => {
    const sim = await startGenesysSimulator({
      clients: { a: "sa", b: "sb" },
      rateLimit: { limit: 2, windowMs: 5000 },
    });
    try {
      const [a1, a2, b] = await Promise.all([
        fetchToken(sim.url, "a", "sa"),
        fetchToken(sim.url, "a", "sa"),
        fetchToken(sim.url, "b", "sb"),
      ]);
      const get = (token: string) =>
        fetch(`${sim.url}${USERS}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      assert.deepEqual([await get(a1), await get(a2), await get(a1)], [200, 200, 429]);
      assert.equal(await get(b), 200);
    } finally {
      await sim.close();
    }
  });

  test("external load on the same client spends the shared quota and counts separately", async () => {
    const { sim, call } = await withSimulator({ rateLimit: { limit: 20, windowMs: 500 } });
    try {
      sim.setExternalLoad(200);
      await waitFor(() => sim.stats().externalThrottled >= 1, "the external load to spend a window");
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await call("GET", USERS)).status);
      sim.setExternalLoad(0);
      assert.ok(statuses.includes(429), `expected a 429 among ${statuses.join(",")}`);
      const stats = sim.stats();
      assert.ok(stats.externalRequests >= 20, `external requests ${stats.externalRequests}`);
      assert.ok(stats.externalThrottled >= 1);
      assert.equal(stats.requests, 1 + 5);
    } finally {
      await sim.close();
    }
  });
});

describe("Genesys simulator faults and latency", () => {
  test("500, 503 and token-500 faults hit the next requests only", async () => {
    const { sim, call } = await withSimulator();
    try {
      sim.injectFault({ kind: "503", times: 1 });
      sim.injectFault({ kind: "500", times: 1, match: (req) => req.method === "POST" });
      assert.equal((await call("GET", USERS)).status, 503);
      assert.equal((await call("POST", USERS, newUser("f@example.com"))).status, 500);
      assert.equal(sim.users().length, 0);
      assert.equal((await call("GET", USERS)).status, 200);
      sim.injectFault({ kind: "token-500", times: 1 });
      assert.equal((await requestToken(sim.url, "demo-client", "demo-secret")).status, 500);
      assert.equal((await requestToken(sim.url, "demo-client", "demo-secret")).status, 200);
    } finally {
      await sim.close();
    }
  });

  test("reset drops the connection and hang never answers", async () => {
    const { sim, call } = await withSimulator();
    try {
      sim.injectFault({ kind: "reset", times: 1 });
      await assert.rejects(call("GET", USERS));
      sim.injectFault({ kind: "hang", times: 1 });
      await assert.rejects(fetch(`${sim.url}${USERS}`, { signal: AbortSignal.timeout(200) }), {
        name: "TimeoutError",
      });
      assert.equal((await call("GET", USERS)).status, 200);
    } finally {
      await sim.close();
    }
  });

  test("latency delays answers and in-flight requests are counted", async () => {
    const { sim, call } = await withSimulator({ latencyMs: { min: 40, max: 50 } });
    try {
      sim.resetStats();
      const started = performance.now();
      await Promise.all(Array.from({ length: 5 }, () => call("GET", USERS)));
      assert.ok(performance.now() - started >= 40);
      assert.equal(sim.stats().maxInFlight, 5);
    } finally {
      await sim.close();
    }
  });
});
