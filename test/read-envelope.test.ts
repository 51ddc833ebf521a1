import assert from "./support/assert.ts";
import { test } from "node:test";
import { envelopeSchema } from "../src/okta/event-hook-envelope.ts";
import { isEnvelope, readEnvelope } from "../src/okta/read-envelope.ts";
import { hookEnvelope } from "../sim/okta-hook-delivery.ts";
import { OktaEventFactory } from "../sim/okta-events.ts";

const factory = new OktaEventFactory(() => Date.parse("2026-01-05T10:00:00Z"));
const user = {
  id: "00uA",
  type: "User" as const,
  alternateId: "a@example.com",
  displayName: "A",
  detailEntry: null,
};
const group = { ...user, id: "00gB", type: "UserGroup" as const, alternateId: "Sales" };
const validEvent = () =>
  JSON.parse(
    JSON.stringify(factory.event("group.user_membership.add", [user, group], factory.transaction())),
  ) as Record<string, unknown>;
const validEnvelope = () => JSON.parse(JSON.stringify(hookEnvelope([]))) as Record<string, unknown>;

/** Values a field can hold in JSON, the right ones and the wrong ones. */
const VALUES: readonly unknown[] = [
  undefined,
  null,
  "",
  "x",
  "2026-01-05T10:00:00Z",
  0,
  1,
  true,
  [],
  {},
  [{}],
];

/** Every field the schema reads set to every value, one at a time, at every level. */
function envelopes(): unknown[] {
  const out: unknown[] = [null, [], "text", 3, {}, validEnvelope()];
  const withEvents = (events: unknown) => ({ ...validEnvelope(), data: { events } });
  const set = (object: Record<string, unknown>, key: string, value: unknown) => {
    const copy = { ...object };
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  };
  for (const value of VALUES) {
    out.push(set(validEnvelope(), "eventId", value), set(validEnvelope(), "eventType", value));
    out.push(set(validEnvelope(), "data", value), withEvents(value), withEvents([value]));
    for (const key of ["uuid", "eventType", "published", "target", "outcome"])
      out.push(withEvents([validEvent(), set(validEvent(), key, value)]));
    for (const key of ["id", "type", "alternateId", "displayName"])
      out.push(withEvents([{ ...validEvent(), target: [user, set({ ...group }, key, value)] }]));
    out.push(withEvents([{ ...validEvent(), target: [value] }]));
    out.push(withEvents([{ ...validEvent(), outcome: set({ result: "SUCCESS" }, "result", value) }]));
  }
  out.push(withEvents([{ ...validEvent(), published: "not a date" }]));
  out.push(withEvents([{ ...validEvent(), unknownField: { deep: [1, 2] } }]));
  return out;
}

test("the envelope check accepts exactly what the envelope schema accepts", () => {
  const cases = envelopes();
  let accepted = 0;
  for (const [i, body] of cases.entries()) {
    const schema = envelopeSchema.safeParse(body).success;
    assert.equal(isEnvelope(body), schema, `case ${i}: ${JSON.stringify(body)?.slice(0, 300)}`);
    if (schema) accepted++;
  }
  assert.ok(
    accepted > 20 && accepted < cases.length - 50,
    `both sides covered (${accepted}/${cases.length})`,
  );
});

test("a valid delivery is read as parsed, without a copy", () => {
  const body = { ...validEnvelope(), data: { events: [validEvent(), validEvent()] } };
  const read = readEnvelope(body);
  assert.ok("envelope" in read);
  assert.equal(read.envelope, body);
});

test("an invalid delivery is described by the schema's message, naming the field", () => {
  const body = { data: { events: [{ ...validEvent(), published: "yesterday" }] } };
  assert.deepEqual(readEnvelope(body), { invalid: "data.events[0].published: must be an ISO date-time" });
});
