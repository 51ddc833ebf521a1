import { describeEnvelopeError, envelopeSchema, type Envelope } from "./event-hook-envelope.ts";

/**
 * A parsed hook body as the envelope, or what is wrong with it. zod builds a new object for every
 * object it parses, and runs each unknown field of a loose object through its catch-all: on a
 * delivery of 200 events that copy allocates as much as JSON.parse itself, garbage the heap must
 * then hold until a collection. So a delivery the schema accepts is first recognised by the check
 * below, which copies nothing, and used as parsed; only a delivery it doubts goes through zod, which
 * has the last word and writes the message. The check must therefore never accept what the schema
 * refuses (test/read-envelope.test.ts holds it to that); refusing more only costs zod's copy.
 */
export function readEnvelope(body: unknown): { envelope: Envelope } | { invalid: string } {
  if (isEnvelope(body)) return { envelope: body };
  const parsed = envelopeSchema.safeParse(body);
  return parsed.success ? { envelope: parsed.data } : { invalid: describeEnvelopeError(parsed.error) };
}

/** envelopeSchema, as a check: the same fields, the same rules, nothing built. */
export function isEnvelope(body: unknown): body is Envelope {
  if (!isObject(body) || !optionalString(body["eventId"]) || !optionalString(body["eventType"])) return false;
  const data = body["data"];
  if (!isObject(data)) return false;
  const events = data["events"];
  if (!Array.isArray(events)) return false;
  for (const event of events) if (!isOktaEvent(event)) return false;
  return true;
}

function isOktaEvent(event: unknown): boolean {
  if (!isObject(event)) return false;
  const { uuid, eventType, published, target, outcome } = event;
  if (typeof uuid !== "string" || uuid.length === 0) return false;
  if (typeof eventType !== "string" || eventType.length === 0) return false;
  if (typeof published !== "string" || Number.isNaN(Date.parse(published))) return false;
  if (target !== undefined && target !== null) {
    if (!Array.isArray(target)) return false;
    for (const t of target) {
      if (!isObject(t) || !optionalString(t["id"]) || !optionalString(t["type"])) return false;
      if (t["alternateId"] !== null && !optionalString(t["alternateId"])) return false;
    }
  }
  if (outcome !== undefined && outcome !== null) {
    if (!isObject(outcome) || !optionalString(outcome["result"])) return false;
  }
  return true;
}

/** zod's notion of an object: arrays and null are not. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}
