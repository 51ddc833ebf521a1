import { randomUUID } from "node:crypto";
import type { OktaSystemLogEvent } from "./okta-events.ts";

/**
 * Okta's side of an event hook: the envelope it POSTs and the way it delivers it. Okta waits 3 s for
 * an answer and retries once on a timeout or a 5xx, never on a 4xx; then the events are lost
 * (developer.okta.com/docs/concepts/event-hooks, "Timeout and retry").
 */
export interface OktaHookEnvelope {
  eventType: "com.okta.event_hook";
  eventTypeVersion: "1.0";
  cloudEventsVersion: "0.1";
  source: string;
  eventId: string;
  eventTime: string;
  contentType: "application/json";
  data: { events: OktaSystemLogEvent[] };
}

export interface HookEnvelopeOptions {
  hookId?: string;
  orgUrl?: string;
}

export function hookEnvelope(
  events: OktaSystemLogEvent[],
  options: HookEnvelopeOptions = {},
): OktaHookEnvelope {
  const orgUrl = options.orgUrl ?? "https://example.okta.com";
  return {
    eventType: "com.okta.event_hook",
    eventTypeVersion: "1.0",
    cloudEventsVersion: "0.1",
    source: `${orgUrl}/api/v1/eventHooks/${options.hookId ?? "whoSimulatedHook001"}`,
    eventId: randomUUID(),
    eventTime: new Date().toISOString(),
    contentType: "application/json",
    data: { events },
  };
}

export interface DeliverOptions extends HookEnvelopeOptions {
  /** The header Okta is configured to send the secret in. Default `authorization`. */
  header?: string;
  /** Events per POST; default all in one, as Okta batches events that happen close together. */
  batchSize?: number;
  /** Okta's 3 s; scale it down in tests. */
  timeoutMs?: number;
}

export interface HookDelivery {
  eventId: string;
  /** One entry per attempt: the HTTP status, or "timeout" / "error" when no answer came. */
  attempts: (number | "timeout" | "error")[];
  /** Answered 2xx at some attempt. */
  delivered: boolean;
}

/** POSTs the events the way Okta would, one envelope per batch, in order. */
export async function deliverToHook(
  url: string,
  secret: string,
  events: OktaSystemLogEvent[],
  options: DeliverOptions = {},
): Promise<HookDelivery[]> {
  const batchSize = Math.max(1, options.batchSize ?? events.length);
  const deliveries: HookDelivery[] = [];
  for (let start = 0; start < events.length; start += batchSize) {
    const envelope = hookEnvelope(events.slice(start, start + batchSize), options);
    const attempts: HookDelivery["attempts"] = [];
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const outcome = await post(url, secret, envelope, options);
      attempts.push(outcome);
      // Only a timeout, a dropped connection or a 5xx earns the single retry.
      if (typeof outcome === "number" && outcome < 500) break;
    }
    const last = attempts.at(-1);
    deliveries.push({
      eventId: envelope.eventId,
      attempts,
      delivered: typeof last === "number" && last < 300 && last >= 200,
    });
  }
  return deliveries;
}

/**
 * The one-time verification Okta runs when a hook is registered: a GET with a challenge the hook
 * must echo back as `{"verification": ...}`.
 */
export async function verifyHook(
  url: string,
  secret: string,
  options: Pick<DeliverOptions, "header" | "timeoutMs"> = {},
): Promise<boolean> {
  const challenge = randomUUID();
  const response = await fetch(url, {
    method: "GET",
    headers: {
      [options.header ?? "authorization"]: secret,
      "x-okta-verification-challenge": challenge,
      accept: "application/json",
    },
    signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
  });
  if (response.status !== 200) return false;
  const body = (await response.json().catch(() => undefined)) as { verification?: unknown } | undefined;
  return body?.verification === challenge;
}

async function post(
  url: string,
  secret: string,
  envelope: OktaHookEnvelope,
  options: DeliverOptions,
): Promise<number | "timeout" | "error"> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": "Okta Event Hooks (simulator)",
        [options.header ?? "authorization"]: secret,
      },
      body: JSON.stringify(envelope),
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error instanceof DOMException && error.name === "TimeoutError" ? "timeout" : "error";
  }
}
